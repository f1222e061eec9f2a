import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/** One file of a world tree: a regular file by size and sha256, a symlink by its target. */
export type ManifestEntry = { size: number; sha256: string; key?: string } | { link: string };

export interface Manifest {
  version: 1;
  archive: string;
  createdAt: number;
  files: Record<string, ManifestEntry>;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Lists a tree's regular files and symlinks (relative paths, '/' separated), sorted. */
export async function walkTree(dir: string): Promise<{ path: string; kind: 'file' | 'link' }[]> {
  const out: { path: string; kind: 'file' | 'link' }[] = [];
  const walk = async (rel: string) => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out.push({ path, kind: 'file' });
      else if (entry.isSymbolicLink()) out.push({ path, kind: 'link' });
    }
  };
  await walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The manifest of the staging folder as borg archived it. A file whose inode, size, mtime and
 * ctime equal the previous manifest's keeps its hash (ctime changes on every write and rename,
 * and cannot be set back), so a run hashes only what it staged anew.
 */
export async function buildManifest(dir: string, archive: string, now: number, previous?: Manifest): Promise<Manifest> {
  const files: Record<string, ManifestEntry> = {};
  for (const { path, kind } of await walkTree(dir)) {
    const full = join(dir, path);
    if (kind === 'link') {
      files[path] = { link: await readlink(full) };
      continue;
    }
    const st = await lstat(full, { bigint: true });
    const key = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    const old = previous?.files[path];
    if (old && 'key' in old && old.key === key) {
      files[path] = old;
      continue;
    }
    const data = await readFile(full);
    files[path] = { size: data.length, sha256: sha256(data), key };
  }
  return { version: 1, archive, createdAt: now, files };
}

/** Pure: what differs between the staged manifest and what the archive restored, one line per file. */
export function compareManifest(expected: Manifest, actual: Record<string, ManifestEntry>): { file: string; problem: string }[] {
  const problems: { file: string; problem: string }[] = [];
  for (const [file, want] of Object.entries(expected.files)) {
    const got = actual[file];
    if (!got) problems.push({ file, problem: 'staged but missing from the archive' });
    else if ('link' in want || 'link' in got) {
      if (!('link' in want && 'link' in got && want.link === got.link))
        problems.push({ file, problem: 'symlink differs from the staged one' });
    } else if (want.size !== got.size) problems.push({ file, problem: `size ${got.size}, staged ${want.size}` });
    else if (want.sha256 !== got.sha256) problems.push({ file, problem: 'checksum differs from the staged file' });
  }
  for (const file of Object.keys(actual)) {
    if (!(file in expected.files)) problems.push({ file, problem: 'in the archive but was not staged' });
  }
  return problems;
}
