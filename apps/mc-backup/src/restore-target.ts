import { lstat, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { isWithin } from '@homelab/core';

/**
 * The path the kernel would reach: every existing component resolved (symlinks, and `..` applied
 * to the resolved parent, as the kernel does), the missing tail appended as written.
 */
export async function realPathOf(path: string, cwd = process.cwd()): Promise<string> {
  const parts = (isAbsolute(path) ? path : join(cwd, path)).split(sep).filter((p) => p !== '' && p !== '.');
  let current = '/';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (part === '..') {
      current = dirname(current);
      continue;
    }
    const next = join(current, part);
    try {
      await lstat(next);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return resolve(next, ...parts.slice(i + 1));
      throw error;
    }
    current = await realpath(next);
  }
  return current;
}

/** Device and inode of a folder: a bind mount of it has the same identity under another path. */
async function identity(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/** Identities of the path (when it exists) and of every ancestor. */
async function identityChain(path: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let p = path; ; p = dirname(p)) {
    const id = await identity(p);
    if (id) ids.add(id);
    if (p === dirname(p)) return ids;
  }
}

/**
 * Whether `target` and `guarded` overlap (one inside the other), by real path and by folder identity
 * (which sees bind mounts). Both are resolved first.
 */
export async function overlaps(target: string, guarded: string): Promise<boolean> {
  const [t, g] = await Promise.all([realPathOf(target), realPathOf(guarded)]);
  if (isWithin(t, g) || isWithin(g, t)) return true;
  const [gid, tid] = await Promise.all([identity(g), identity(t)]);
  if (gid && (await identityChain(t)).has(gid)) return true;
  if (tid && (await identityChain(g)).has(tid)) return true;
  return false;
}
