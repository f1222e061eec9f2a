import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir, rename, rm, utimes } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { StageStats } from './ports.js';

/**
 * The paused catch-up after a pre-copy, in-process (no rsync start-up inside the freeze window):
 * staging becomes an exact copy of the world, as `rsync -a --delete --delete-excluded` would make
 * it. Every file written since `since` is copied again whatever its size and mtime say. Returns
 * undefined when the tree holds something it does not handle (symlinks, special files, patterns
 * with a slash, too many files to copy): the caller then runs rsync, which is always correct.
 */
export async function catchUp(
  source: string,
  staging: string,
  since: number,
  excludes: readonly string[],
  opts: { maxCopies?: number } = {},
): Promise<StageStats | undefined> {
  const excluded = excludeMatcher(excludes);
  if (!excluded) return undefined;
  const src = await scan(source, excluded);
  const dst = await scan(staging, () => false);
  if (!src || !dst) return undefined;

  const copies: string[] = [];
  for (const [rel, info] of src) {
    if (info.isDirectory()) continue;
    const have = dst.get(rel);
    if (!have?.isFile() || info.mtimeMs >= since || have.size !== info.size || Math.trunc(have.mtimeMs) !== Math.trunc(info.mtimeMs)) {
      copies.push(rel);
    }
  }
  if (copies.length > (opts.maxCopies ?? 200)) return undefined;

  // Deletions first, deepest first (what is gone, or excluded, in the world).
  const gone = [...dst.keys()].filter((rel) => !src.has(rel) || src.get(rel)?.isDirectory() !== dst.get(rel)?.isDirectory());
  for (const rel of gone.sort((a, b) => b.length - a.length)) await rm(join(staging, rel), { recursive: true, force: true });
  for (const [rel, info] of src) {
    if (info.isDirectory() && !(dst.get(rel)?.isDirectory() ?? false))
      await mkdir(join(staging, rel), { recursive: true, mode: info.mode & 0o7777 });
  }
  let bytes = 0;
  for (const rel of copies) {
    const info = src.get(rel) as Stats;
    const target = join(staging, rel);
    // A temp file renamed into place, like rsync: a reader never sees a partial copy.
    const temp = join(dirname(target), `.${basename(target)}.mc-backup-${randomBytes(3).toString('hex')}`);
    await copyFile(join(source, rel), temp);
    await chmod(temp, info.mode & 0o7777);
    await utimes(temp, info.atime, info.mtime);
    await rename(temp, target);
    bytes += info.size;
  }
  return { filesTransferred: copies.length, bytesTransferred: bytes };
}

/** Every entry under `root` by relative path (lstat), or undefined when one is neither a file nor a folder. */
async function scan(root: string, excluded: (name: string) => boolean): Promise<Map<string, Stats> | undefined> {
  const found = new Map<string, Stats>();
  let unsupported = false;
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' && prefix === '') return [] as string[];
      throw error;
    });
    await Promise.all(
      names.map(async (name) => {
        if (excluded(name)) return;
        const rel = prefix ? `${prefix}/${name}` : name;
        const info = await lstat(join(dir, name));
        if (info.isDirectory()) {
          found.set(rel, info);
          await walk(join(dir, name), rel);
        } else if (info.isFile()) found.set(rel, info);
        else unsupported = true;
      }),
    );
  };
  await walk(root, '');
  return unsupported ? undefined : found;
}

/** rsync's meaning of a pattern without a slash: a shell glob on the name, at any depth. */
export function excludeMatcher(patterns: readonly string[]): ((name: string) => boolean) | undefined {
  if (patterns.some((p) => p.includes('/') || p.includes('**') || p.includes('['))) return undefined;
  const regexes = patterns.map(
    (p) =>
      new RegExp(
        `^${p
          .replace(/[.+^${}()|\\]/g, '\\$&')
          .replaceAll('*', '.*')
          .replaceAll('?', '.')}$`,
      ),
  );
  return (name) => regexes.some((r) => r.test(name));
}
