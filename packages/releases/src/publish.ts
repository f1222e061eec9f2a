import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, readFile, readlink, rename, rm, stat, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { RuntimeError, syncDir, writeFileAtomic } from '@homelab/core';
import { z } from 'zod';
import { BUILDING_PREFIX, fileSignature, releaseName } from './releases.js';

/**
 * Atomic publishing: a generator's staging folder (a map renderer's, GoAccess's) is copied into a new
 * release folder (files whose staging identity did not change since the last release are hard links
 * to the previous release instead of copies), then the output path, a symlink, is swapped to it with
 * one rename(2). A reader resolves the output to exactly one complete release; releases are never
 * modified after the swap. Used by map-watcher (mc-map) and proxy-stats (reverse-proxy-stats).
 */
export interface ReleaseLayout {
  /** The published path: a symlink to the current release. */
  output: string;
  /** Where releases live (same file system as `output`'s folder). */
  releasesDir: string;
}

export function releaseLayout(output: string, releasesDir?: string): ReleaseLayout {
  const abs = resolve(output);
  return { output: abs, releasesDir: resolve(releasesDir ?? join(dirname(abs), `.${basename(abs)}-releases`)) };
}

const stateSchema = z.object({
  current: z.string(),
  /** When the run that made this release started: the source state it shows is at least this new. */
  sourceTime: z.number(),
  publishedAt: z.number(),
  /** Staging-relative path -> signature of the staging file the release copy was made from. */
  files: z.record(z.string(), z.string()),
});
export type PublishState = z.infer<typeof stateSchema>;

export const STATE_FILE = 'publish-state.json';

export interface PublishResult {
  id: string;
  files: number;
  linked: number;
  copied: number;
  durationMs: number;
}

/** The release the output symlink points to, or undefined when it does not exist yet. */
export async function readCurrentRelease(layout: ReleaseLayout): Promise<string | undefined> {
  let target: string;
  try {
    target = await readlink(layout.output);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const abs = resolve(dirname(layout.output), target);
  return dirname(abs) === layout.releasesDir ? basename(abs) : undefined;
}

/** The saved state, only when it describes the release that is actually published. */
export async function readPublishState(layout: ReleaseLayout): Promise<PublishState | undefined> {
  const current = await readCurrentRelease(layout);
  if (current === undefined) return undefined;
  try {
    const parsed = stateSchema.safeParse(JSON.parse(await readFile(join(layout.releasesDir, STATE_FILE), 'utf8')));
    return parsed.success && parsed.data.current === current ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

interface StagedFile {
  rel: string;
  signature: string;
}

/** Lists staging files, skipping top-level dot entries (a generator's own cache such as `.cache`). */
async function listStaging(staging: string): Promise<{ dirs: string[]; files: StagedFile[] }> {
  const dirs: string[] = [];
  const files: StagedFile[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(staging, rel), { withFileTypes: true });
    for (const entry of entries) {
      if (rel === '' && entry.name.startsWith('.')) continue;
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        dirs.push(child);
        await walk(child);
      } else if (entry.isFile()) {
        const st = await stat(join(staging, child), { bigint: true });
        files.push({ rel: child, signature: fileSignature(st) });
      }
    }
  };
  await walk('');
  return { dirs, files };
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Builds a release from `staging` and swaps the output symlink to it. */
export async function publishRelease(opts: {
  staging: string;
  layout: ReleaseLayout;
  previous: PublishState | undefined;
  sourceTime: number;
  now: () => number;
}): Promise<{ state: PublishState; result: PublishResult }> {
  const started = opts.now();
  const { layout, previous } = opts;
  const id = releaseName(started, randomBytes(2).toString('hex'));
  const building = join(layout.releasesDir, `${BUILDING_PREFIX}${id}`);
  const final = join(layout.releasesDir, id);
  await mkdir(layout.releasesDir, { recursive: true });
  await mkdir(building);
  let linked = 0;
  let copied = 0;
  try {
    const { dirs, files } = await listStaging(opts.staging);
    // A generator that "succeeds" without output must not blank what is published.
    if (files.length === 0) throw new RuntimeError(`the generator wrote no files into ${opts.staging}`, 'EMPTY_RENDER');
    for (const dir of dirs) await mkdir(join(building, dir));
    const previousDir = previous ? join(layout.releasesDir, previous.current) : undefined;
    await eachLimited(files, 16, async ({ rel, signature }) => {
      const target = join(building, rel);
      if (previousDir && previous?.files[rel] === signature) {
        try {
          await link(join(previousDir, rel), target);
          linked++;
          return;
        } catch {
          // The previous copy is gone: fall through and copy.
        }
      }
      // A copy, never a link into staging: the generator rewrites staging files in place.
      await copyFile(join(opts.staging, rel), target, constants.COPYFILE_FICLONE);
      await fsyncFile(target);
      copied++;
    });
    await rename(building, final);
    await syncDir(layout.releasesDir);
    await swapSymlink(layout, id);
    const state: PublishState = {
      current: id,
      sourceTime: opts.sourceTime,
      publishedAt: opts.now(),
      files: Object.fromEntries(files.map((f) => [f.rel, f.signature])),
    };
    await writeFileAtomic(join(layout.releasesDir, STATE_FILE), JSON.stringify(state));
    return { state, result: { id, files: files.length, linked, copied, durationMs: opts.now() - started } };
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw error;
  }
}

/** Points the output at a release: a temp symlink renamed over it, so the swap is atomic. */
export async function swapSymlink(layout: ReleaseLayout, id: string): Promise<void> {
  const dir = dirname(layout.output);
  const temp = join(dir, `.${basename(layout.output)}.swap-${process.pid}-${randomBytes(4).toString('hex')}`);
  await symlink(relative(dir, join(layout.releasesDir, id)), temp);
  try {
    await rename(temp, layout.output);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await syncDir(dir);
}

/** Names of release folders and leftovers of interrupted builds. */
export async function listReleaseDirs(layout: ReleaseLayout): Promise<string[]> {
  try {
    const entries = await readdir(layout.releasesDir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export async function removeRelease(layout: ReleaseLayout, name: string): Promise<void> {
  await rm(join(layout.releasesDir, name), { recursive: true, force: true });
}
