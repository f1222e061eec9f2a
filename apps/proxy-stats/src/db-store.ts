import { randomBytes } from 'node:crypto';
import { constants, copyFile, cp, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir } from '@homelab/core';
import {
  BUILDING_PREFIX,
  listReleaseDirs,
  type ReleaseLayout,
  readCurrentRelease,
  releaseLayout,
  releaseName,
  removeRelease,
  swapSymlink,
} from '@homelab/releases';

/** A working copy of the database that one GoAccess run may change. */
export interface DbWork {
  id: string;
  dir: string;
}

/**
 * GoAccess's persisted database, kept crash-safe with the same release pattern as the report:
 * `db` is a symlink to one complete database folder. A run works on a copy (GoAccess rewrites its
 * files on exit, and a run killed by the timeout or a container stop would leave them half
 * written); only a good run's copy becomes the database, by one symlink rename. So the history is
 * never lost by a failed, killed or interrupted run, and a restart resumes from the last good one.
 */
export class DbStore {
  readonly layout: ReleaseLayout;

  constructor(dataDir: string) {
    this.layout = releaseLayout(join(dataDir, 'db'), join(dataDir, '.db-releases'));
  }

  /** The folder of the current database, or undefined before the first good run. */
  async currentDir(): Promise<string | undefined> {
    const id = await readCurrentRelease(this.layout);
    return id === undefined ? undefined : join(this.layout.releasesDir, id);
  }

  /** Removes working copies of interrupted runs and databases that are no longer current. */
  async tidy(): Promise<string[]> {
    const current = await readCurrentRelease(this.layout);
    const doomed = (await listReleaseDirs(this.layout)).filter((name) => name !== current);
    for (const name of doomed) await removeRelease(this.layout, name);
    return doomed;
  }

  /** A fresh copy of the current database (an empty folder before the first good run). */
  async prepare(now: number): Promise<DbWork> {
    const id = releaseName(now, randomBytes(2).toString('hex'));
    const dir = join(this.layout.releasesDir, `${BUILDING_PREFIX}${id}`);
    await mkdir(this.layout.releasesDir, { recursive: true });
    const current = await this.currentDir();
    await mkdir(dir);
    if (current) await copyFlat(current, dir);
    return { id, dir };
  }

  /** Makes a good run's copy the database; the previous one is removed. */
  async commit(work: DbWork): Promise<void> {
    const final = join(this.layout.releasesDir, work.id);
    await rename(work.dir, final);
    await syncDir(this.layout.releasesDir);
    await swapSymlink(this.layout, work.id);
    await this.tidy();
  }

  async discard(work: DbWork): Promise<void> {
    await rm(work.dir, { recursive: true, force: true });
  }
}

/**
 * GoAccess keeps its database as one flat folder of files (about 230): one copyFile each, never
 * over an existing file. `fs.cp`'s recursive walk does several times the work per file, enough to
 * make node's own path checks hot at a restart on existing data (docs/architecture.md "## Memory").
 * A folder inside, should a GoAccess version make one, is copied whole.
 */
async function copyFlat(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) await cp(source, target, { recursive: true, errorOnExist: true, force: false });
    else await copyFile(source, target, constants.COPYFILE_EXCL);
  }
}
