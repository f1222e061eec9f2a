import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Clock, type Runner, RuntimeError, UsageError } from '@homelab/core';
import {
  checkDescription,
  checkRepoName,
  findRepo,
  isBareRepo,
  type PoolRepo,
  scanPool,
  showName,
  writeDescription,
  writePrivate,
} from '@homelab/git-pool';
import type { GitShellConfig } from './config.js';

/** What the pool operations need: the pool folder, the git runner and the clock (for trash stamps). */
export interface PoolDeps {
  pool: string;
  runner: Runner;
  clock: Clock;
  signal?: AbortSignal;
}

/** The pool operations' deps from a command's. */
export function poolDeps(deps: { config: GitShellConfig; runner: Runner; clock: Clock }): PoolDeps {
  return { pool: deps.config.GIT_SHELL_REPOS, runner: deps.runner, clock: deps.clock };
}

export const TRASH_DIR = '.trash';
const TEMP_DIR = '.tmp';
const GIT_TIMEOUT_MS = 60_000;

/** Validates a name or throws a UsageError (exit 2) that names the problem. */
export function requireName(raw: string | undefined): { name: string; group: string | undefined; relPath: string } {
  if (raw === undefined) throw new UsageError('missing repo name');
  const check = checkRepoName(raw);
  if (!check.ok) throw new UsageError(`refused repo name ${showName(raw)}: ${check.reason}`);
  return check;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Refuses a name that would clash with the pool as it is now (mk and restore): its group is a
 * repo or not a real folder, or the name itself is a group. An *empty* folder of that name is a
 * leftover (a group whose last repo went before rm removed empty groups, or made by hand): it is
 * removed, since rmdir fails on anything that holds a repo.
 */
async function claimName(deps: PoolDeps, name: string, group: string | undefined): Promise<void> {
  if (group !== undefined) {
    if (await findRepo(deps.pool, group)) throw new RuntimeError(`"${group}" is a repo, so it cannot also be a group`, 'NAME_CONFLICT');
    const folder = await lstat(join(deps.pool, group)).catch(() => undefined);
    if (folder !== undefined && !folder.isDirectory()) {
      throw new RuntimeError(`"${group}" is not a folder of the pool (a symlink or a file), so it cannot be a group`, 'NAME_CONFLICT');
    }
    return;
  }
  const folder = join(deps.pool, name);
  if (!(await exists(folder))) return;
  const removed = await rmdir(folder).then(
    () => true,
    () => false,
  );
  if (!removed) throw new RuntimeError(`"${name}" is already a group (or another folder) in the pool`, 'NAME_CONFLICT');
}

async function requireRepo(deps: PoolDeps, name: string): Promise<string> {
  const dir = await findRepo(deps.pool, name);
  if (dir === undefined) throw new RuntimeError(`no repo named "${name}" in the pool`, 'NO_SUCH_REPO');
  return dir;
}

export async function listRepos(deps: PoolDeps): Promise<PoolRepo[]> {
  return (await scanPool(deps.pool)).repos;
}

/**
 * Makes a bare repo with branch main. It is built in a dot folder and renamed into place, so the
 * pool (and the cgit-config watcher) only ever sees a complete repo.
 */
export async function makeRepo(deps: PoolDeps, raw: string | undefined, opts: { private?: boolean } = {}): Promise<string> {
  const { name, group, relPath } = requireName(raw);
  if (await findRepo(deps.pool, name)) throw new RuntimeError(`a repo named "${name}" already exists`, 'REPO_EXISTS');
  await claimName(deps, name, group);
  const target = join(deps.pool, relPath);
  const temp = join(deps.pool, TEMP_DIR, `${randomBytes(6).toString('hex')}.git`);
  await mkdir(dirname(temp), { recursive: true });
  try {
    await deps.runner.run('git', ['init', '--quiet', '--bare', '--initial-branch=main', temp], {
      timeoutMs: GIT_TIMEOUT_MS,
      signal: deps.signal,
    });
    if (opts.private) await writePrivate(deps.runner, temp, true, deps.signal);
    await mkdir(dirname(target), { recursive: true });
    if (await exists(target)) throw new RuntimeError(`a repo named "${name}" already exists`, 'REPO_EXISTS');
    await rename(temp, target).catch((error: NodeJS.ErrnoException) => {
      // Another mk of the same name won the race between the check above and this rename.
      if (error.code === 'ENOTEMPTY' || error.code === 'EEXIST')
        throw new RuntimeError(`a repo named "${name}" already exists`, 'REPO_EXISTS');
      throw error;
    });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  return target;
}

/** Compact, sortable UTC stamp for trash folders: 20261127T222144.123Z. */
export function trashStamp(now: number): string {
  return new Date(now).toISOString().replace(/[-:]/g, '');
}

/** Moves a repo into `<pool>/.trash/<stamp>/<name>.git`; never deletes anything. */
export async function removeRepo(deps: PoolDeps, raw: string | undefined): Promise<string> {
  const { name } = requireName(raw);
  const dir = await requireRepo(deps, name);
  const stamp = trashStamp(deps.clock.now());
  const target = join(deps.pool, TRASH_DIR, stamp, dir.slice(deps.pool.length + 1));
  if (await exists(target)) throw new RuntimeError(`trash entry ${target} already exists; try again`, 'TRASH_EXISTS');
  await mkdir(dirname(target), { recursive: true });
  await rename(dir, target);
  // A group whose last repo this was goes too (rmdir fails, and is ignored, while it holds others).
  if (dirname(dir) !== deps.pool) await rmdir(dirname(dir)).catch(() => {});
  return stamp;
}

export interface TrashEntry {
  name: string;
  stamp: string;
  path: string;
}

export async function listTrash(deps: PoolDeps): Promise<TrashEntry[]> {
  const root = join(deps.pool, TRASH_DIR);
  const stamps = await readdir(root).catch(() => [] as string[]);
  const entries: TrashEntry[] = [];
  for (const stamp of stamps.sort()) {
    const stampDir = join(root, stamp);
    for (const top of await readdir(stampDir, { withFileTypes: true }).catch(() => [])) {
      if (!top.isDirectory()) continue;
      const topPath = join(stampDir, top.name);
      if (await isBareRepo(topPath)) {
        entries.push({ name: top.name.replace(/\.git$/, ''), stamp, path: topPath });
        continue;
      }
      for (const child of await readdir(topPath, { withFileTypes: true }).catch(() => [])) {
        const childPath = join(topPath, child.name);
        if (child.isDirectory() && (await isBareRepo(childPath))) {
          entries.push({ name: `${top.name}/${child.name.replace(/\.git$/, '')}`, stamp, path: childPath });
        }
      }
    }
  }
  return entries;
}

/** Brings a trashed repo back under its name: the newest trash entry, or the one with `stamp`. */
export async function restoreRepo(deps: PoolDeps, raw: string | undefined, stamp?: string): Promise<TrashEntry> {
  const { name, group, relPath } = requireName(raw);
  const candidates = (await listTrash(deps)).filter((e) => e.name === name && (stamp === undefined || e.stamp === stamp));
  const entry = candidates.at(-1);
  if (!entry) throw new RuntimeError(`no trashed repo named "${name}"${stamp ? ` with stamp ${stamp}` : ''}`, 'NOT_IN_TRASH');
  if (await findRepo(deps.pool, name)) throw new RuntimeError(`a repo named "${name}" exists again; rm or rename it first`, 'REPO_EXISTS');
  await claimName(deps, name, group);
  const target = join(deps.pool, entry.path.endsWith('.git') ? relPath : name);
  await mkdir(dirname(target), { recursive: true });
  await rename(entry.path, target);
  // Drop the now empty group and stamp folders of the trash entry.
  for (let dir = dirname(entry.path); dir.startsWith(join(deps.pool, TRASH_DIR, '/')); dir = dirname(dir)) {
    if (
      !(await rmdir(dir).then(
        () => true,
        () => false,
      ))
    )
      break;
  }
  return entry;
}

export async function setPrivate(deps: PoolDeps, raw: string | undefined, isPrivate: boolean): Promise<void> {
  const { name } = requireName(raw);
  await writePrivate(deps.runner, await requireRepo(deps, name), isPrivate, deps.signal);
}

export async function describeRepo(deps: PoolDeps, raw: string | undefined, words: readonly string[]): Promise<void> {
  const { name } = requireName(raw);
  const text = words.join(' ').trim();
  const problem = checkDescription(text);
  if (problem) throw new UsageError(`refused description: ${problem}`);
  await writeDescription(deps.runner, await requireRepo(deps, name), text, deps.signal);
}
