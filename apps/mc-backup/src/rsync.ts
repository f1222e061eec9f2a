import { mkdir } from 'node:fs/promises';
import type { Runner } from '@homelab/core';
import type { Stager, StageStats } from './ports.js';

export interface RsyncSettings {
  bin: string;
  source: string;
  staging: string;
  /** Shell patterns matched at any depth, the same ones borg excludes. */
  excludes: readonly string[];
  timeoutMs: number;
  childEnv: Record<string, string>;
}

/**
 * Brings the persistent staging folder up to date with the world: only changed files are copied
 * (size + mtime), each into a temp file renamed into place, deleted files are deleted. Unchanged
 * files keep their inode and ctime, so borg's files cache skips them too.
 */
export function createRsyncStager(runner: Runner, settings: RsyncSettings): Stager {
  return {
    async stage(signal?: AbortSignal): Promise<StageStats> {
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
    },
  };
}

/** Pure: the numbers of `rsync --stats` we report. */
export function parseRsyncStats(stdout: string): StageStats {
  const num = (label: RegExp) => Number((label.exec(stdout)?.[1] ?? '0').replaceAll(',', ''));
  return {
    filesTransferred: num(/Number of regular files transferred: ([\d,]+)/),
    bytesTransferred: num(/Total transferred file size: ([\d,]+)/),
  };
}
