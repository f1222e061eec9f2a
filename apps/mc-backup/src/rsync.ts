import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { type Runner, writeFileAtomic } from '@homelab/core';
import { catchUp } from './catch-up.js';
import type { Stager, StageStats } from './ports.js';

/** Files written this close to the pre-copy's start are copied again while paused (covers coarse mtimes). */
export const PRECOPY_MARGIN_MS = 1_000;

export interface RsyncSettings {
  bin: string;
  source: string;
  staging: string;
  /** Shell patterns matched at any depth, the same ones borg excludes. */
  excludes: readonly string[];
  timeoutMs: number;
  childEnv: Record<string, string>;
  /**
   * Where the pre-copy records since when staging may hold torn copies; kept until a paused
   * stage() repaired them, so a killed run's torn copies are repaired by the next one.
   */
  markerPath: string;
  now?: () => number;
}

/**
 * Brings the persistent staging folder up to date with the world: only changed files are copied
 * (size + mtime), each into a temp file renamed into place, deleted files are deleted. Unchanged
 * files keep their inode and ctime, so borg's files cache skips them too.
 *
 * precopy() runs while saving is still on and copies the bulk of the changes; a file the server
 * was writing meanwhile may arrive torn. stage() (saving off, flushed) then copies every file
 * written since the pre-copy began (minus a margin) again, whole, whatever its size and mtime
 * say: in-process (catch-up.ts), or by dropping those staging copies and running rsync again.
 */
export function createRsyncStager(runner: Runner, settings: RsyncSettings): Stager {
  const now = settings.now ?? Date.now;
  const rsync = async (signal?: AbortSignal): Promise<StageStats> => {
    await mkdir(settings.staging, { recursive: true });
    const args = [
      '-a',
      '--delete',
      '--delete-excluded',
      '--stats',
      ...settings.excludes.map((p) => `--exclude=${p}`),
      `${settings.source.replace(/\/+$/, '')}/`,
      `${settings.staging.replace(/\/+$/, '')}/`,
    ];
    // 24: files vanished while copying (only possible when not paused); the copy is otherwise complete.
    const result = await runner.run(settings.bin, args, {
      timeoutMs: settings.timeoutMs,
      killAfterMs: 3_000,
      signal,
      okExitCodes: [24],
      logLevel: 'info',
      env: settings.childEnv,
    });
    return parseRsyncStats(result.stdout);
  };
  const unsafeSince = async (): Promise<number | undefined> => {
    const text = await readFile(settings.markerPath, 'utf8').catch(() => undefined);
    const since = Number(text);
    return text === undefined || !Number.isFinite(since) ? undefined : since;
  };

  return {
    async precopy(signal?: AbortSignal): Promise<StageStats> {
      // Keep the oldest mark: an earlier, interrupted pre-copy may have left torn copies too.
      if ((await unsafeSince()) === undefined) await writeFileAtomic(settings.markerPath, `${now() - PRECOPY_MARGIN_MS}\n`);
      return rsync(signal);
    },

    async stage(signal?: AbortSignal): Promise<StageStats> {
      const since = await unsafeSince();
      if (since !== undefined) {
        // After a pre-copy only the last moments' writes are missing: copy them in-process, with
        // no rsync start-up inside the freeze window. Anything unusual falls back to rsync.
        const quick = await catchUp(settings.source, settings.staging, since, settings.excludes).catch(() => undefined);
        if (quick) {
          await rm(settings.markerPath, { force: true });
          return quick;
        }
        for (const rel of await filesWrittenSince(settings.source, since)) {
          await rm(join(settings.staging, rel), { force: true });
        }
      }
      const stats = await rsync(signal);
      if (since !== undefined) await rm(settings.markerPath, { force: true });
      return stats;
    },
  };
}

/** Paths (relative to `root`) of the regular files modified at or after `since` (ms). */
export async function filesWrittenSince(root: string, since: number): Promise<string[]> {
  const found: string[] = [];
  // Each folder's entries are stat'ed at once: this runs while saving is paused.
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    await Promise.all(
      entries.map(async (entry) => {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) return walk(path);
        if (!entry.isFile()) return;
        const info = await stat(path).catch(() => undefined);
        if (info && info.mtimeMs >= since) found.push(relative(root, path));
      }),
    );
  };
  await walk(root);
  return found.sort();
}

/** Pure: the numbers of `rsync --stats` we report. */
export function parseRsyncStats(stdout: string): StageStats {
  const num = (label: RegExp) => Number((label.exec(stdout)?.[1] ?? '0').replaceAll(',', ''));
  return {
    filesTransferred: num(/Number of regular files transferred: ([\d,]+)/),
    bytesTransferred: num(/Total transferred file size: ([\d,]+)/),
  };
}
