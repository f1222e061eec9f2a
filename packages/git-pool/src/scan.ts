import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readRepoMeta } from './metadata.js';
import { checkRepoName, nameFromRelPath } from './names.js';

export interface PoolRepo {
  /** Canonical name: `foo` or `group/foo` (also the cgit URL). */
  name: string;
  group: string | undefined;
  /** Absolute path of the bare repo. */
  path: string;
  private: boolean;
  description: string;
  owner: string;
}

export interface SkippedEntry {
  path: string;
  reason: string;
}

export interface PoolScan {
  /** Sorted by name. */
  repos: PoolRepo[];
  skipped: SkippedEntry[];
}

/** True when `dir` looks like a bare git repo (has HEAD, config and objects). */
export async function isBareRepo(dir: string): Promise<boolean> {
  try {
    const [head, objects] = await Promise.all([stat(join(dir, 'HEAD')), stat(join(dir, 'objects'))]);
    return head.isFile() && objects.isDirectory();
  } catch {
    return false;
  }
}

/**
 * Finds the bare repos of the pool: `<pool>/<repo>[.git]` and `<pool>/<group>/<repo>[.git]`.
 * Dot entries (the trash, temp dirs) and symlinks are never followed; names breaking the rules
 * and repos whose config cannot be read are skipped and reported, never published.
 */
export async function scanPool(pool: string): Promise<PoolScan> {
  const skipped: SkippedEntry[] = [];
  const found: { relPath: string; path: string }[] = [];
  const top = await readdir(pool, { withFileTypes: true });
  await Promise.all(
    top.filter(isCandidate).map(async (entry) => {
      const path = join(pool, entry.name);
      if (await isBareRepo(path)) {
        found.push({ relPath: entry.name, path });
        return;
      }
      const group = checkRepoName(entry.name);
      if (!group.ok || group.name !== entry.name) {
        skipped.push({ path, reason: `not a bare repo, and not a valid group name (${group.ok ? 'ends with .git' : group.reason})` });
        return;
      }
      const children = await readdir(path, { withFileTypes: true }).catch(() => [] as Dirent[]);
      await Promise.all(
        children.filter(isCandidate).map(async (child) => {
          const childPath = join(path, child.name);
          if (await isBareRepo(childPath)) found.push({ relPath: `${entry.name}/${child.name}`, path: childPath });
          else skipped.push({ path: childPath, reason: 'not a bare repo (groups cannot nest)' });
        }),
      );
    }),
  );

  const byName = new Map<string, PoolRepo>();
  await Promise.all(
    found.map(async ({ relPath, path }) => {
      const name = nameFromRelPath(relPath);
      if (name === undefined) {
        skipped.push({ path, reason: `repo name breaks the naming rules: ${reasonOf(relPath)}` });
        return;
      }
      try {
        const meta = await readRepoMeta(path);
        const group = name.includes('/') ? name.slice(0, name.indexOf('/')) : undefined;
        const repo: PoolRepo = { name, group, path, ...meta };
        const other = byName.get(name);
        if (other) {
          skipped.push({ path, reason: `same name as ${other.path}` });
          return;
        }
        byName.set(name, repo);
      } catch (error) {
        skipped.push({ path, reason: `cannot read its config: ${(error as Error).message}` });
      }
    }),
  );

  // A top-level repo `x` shadows every `x/...` URL in cgit, so a group of the same name is unreachable.
  const repos: PoolRepo[] = [];
  for (const repo of byName.values()) {
    if (repo.group !== undefined && byName.has(repo.group)) {
      skipped.push({ path: repo.path, reason: `its group "${repo.group}" has the same name as a repo` });
    } else repos.push(repo);
  }
  repos.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  skipped.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { repos, skipped };
}

function isCandidate(entry: Dirent): boolean {
  return entry.isDirectory() && !entry.name.startsWith('.');
}

function reasonOf(relPath: string): string {
  const check = checkRepoName(relPath);
  return check.ok ? 'unknown' : check.reason;
}

/** The directory of an existing repo by its canonical name (`<name>.git`, else `<name>`), or undefined. */
export async function findRepo(pool: string, name: string): Promise<string | undefined> {
  for (const candidate of [join(pool, `${name}.git`), join(pool, name)]) {
    if (await isBareRepo(candidate)) return candidate;
  }
  return undefined;
}
