import { readFileSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { levelDatProblems, readGzipNbt } from './dat-file.js';
import { type ManifestEntry, sha256, walkTree } from './manifest.js';
import { checkRegion } from './region.js';

export interface FileProblem {
  file: string;
  problem: string;
}

export interface WorldCheckResult {
  files: number;
  regions: number;
  chunks: number;
  /** What the tree holds, to compare with the staged manifest. */
  entries: Record<string, ManifestEntry>;
  problems: FileProblem[];
}

/** Problems listed per file before the rest is summed up (a wrecked region has 1024 chunks). */
const PER_FILE = 5;

/**
 * Reads a restored world as the game would: level.dat at the top, every `.dat` as gzip NBT, every
 * `.mca` (region, entities, poi, in every dimension) as an Anvil region. Each file is read once,
 * for its checks and its checksum.
 */
export async function checkWorld(dir: string, opts: { latestTimestamp: number }): Promise<WorldCheckResult> {
  const result: WorldCheckResult = { files: 0, regions: 0, chunks: 0, entries: {}, problems: [] };
  const add = (file: string, problems: string[]) => {
    for (const problem of problems.slice(0, PER_FILE)) result.problems.push({ file, problem });
    if (problems.length > PER_FILE) result.problems.push({ file, problem: `and ${problems.length - PER_FILE} more problems` });
  };
  const tree = await walkTree(dir);
  if (!tree.some((e) => e.path === 'level.dat' && e.kind === 'file')) add('level.dat', ['missing: the server would create a new world']);
  for (const { path, kind } of tree) {
    const full = join(dir, path);
    if (kind === 'link') {
      result.entries[path] = { link: await readlink(full) };
      continue;
    }
    const data = await readFile(full);
    result.files++;
    result.entries[path] = { size: data.length, sha256: sha256(data) };
    if (path === 'level.dat') add(path, levelDatProblems(data));
    else if (path.endsWith('.dat')) {
      const parsed = readGzipNbt(data);
      if ('problem' in parsed) add(path, [parsed.problem]);
    } else if (path.endsWith('.mca')) {
      result.regions++;
      const coords = /^r\.(-?\d+)\.(-?\d+)\.mca$/.exec(basename(path));
      const check = checkRegion(data, {
        region: coords ? { x: Number(coords[1]), z: Number(coords[2]) } : undefined,
        readExternal: (name) => {
          try {
            return readFileSync(join(dirname(full), name));
          } catch {
            return undefined;
          }
        },
        latestTimestamp: opts.latestTimestamp,
      });
      result.chunks += check.chunks;
      add(path, check.problems);
    }
  }
  return result;
}
