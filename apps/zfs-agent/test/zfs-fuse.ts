import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { acquireLock } from '@homelab/core';
import { waitFor } from '@homelab/testkit';

const exec = promisify(execFile);

/** Runs a zfs/zpool command for test setup and checks; rejects with its stderr. */
export async function sh(command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await exec(command, args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

async function daemonAnswers(): Promise<boolean> {
  try {
    await exec('zpool', ['list', '-H', '-o', 'name'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const SHARED = join(tmpdir(), 'zfs-agent-test-daemon');
const DAEMON_PID = join(SHARED, 'daemon.pid');
const userFile = () => join(SHARED, `user-${process.pid}`);

/** Runs `fn` while holding the lock of the shared daemon bookkeeping (other test processes wait). */
async function withDaemonLock<T>(fn: () => Promise<T>): Promise<T> {
  await mkdir(SHARED, { recursive: true });
  let lock: Awaited<ReturnType<typeof acquireLock>> | undefined;
  await waitFor(
    async () => {
      lock = await acquireLock(join(SHARED, 'lock')).catch(() => undefined);
      return lock !== undefined;
    },
    { timeoutMs: 120_000, intervalMs: 100, what: 'the zfs-fuse test daemon lock' },
  );
  try {
    return await fn();
  } finally {
    await lock?.release();
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Makes sure the zfs-fuse daemon runs. Several test processes may use it at once (a full-suite run
 * next to an app run): each registers itself; when none is running, the first starts
 * `zfs-fuse --no-daemon` (it needs /dev/fuse) and notes its PID. `release` unregisters, and the last
 * user stops the daemon only if a test started it and no test pools are left. A daemon that ran
 * before any test is never stopped.
 */
export async function ensureZfsFuse(): Promise<{ startedPid?: number; release(): Promise<void> }> {
  let startedPid: number | undefined;
  await withDaemonLock(async () => {
    await writeFile(userFile(), `${process.pid}\n`);
    if (await daemonAnswers()) return;
    const child = spawn('zfs-fuse', ['--no-daemon', '--no-kstat-mount'], { stdio: 'ignore', detached: true });
    child.unref();
    startedPid = child.pid;
    await writeFile(DAEMON_PID, `${child.pid}\n`);
    await waitFor(daemonAnswers, { timeoutMs: 40_000, intervalMs: 200, what: 'the zfs-fuse daemon to answer' });
  });
  return {
    startedPid,
    release: () =>
      withDaemonLock(async () => {
        await rm(userFile(), { force: true });
        const others = (await readdir(SHARED)).filter((f) => f.startsWith('user-') && alive(Number(f.slice(5))));
        const pid = Number((await readFile(DAEMON_PID, 'utf8').catch(() => '')).trim());
        if (others.length > 0 || !pid || !alive(pid)) return;
        const pools = (await sh('zpool', ['list', '-H', '-o', 'name'])).split('\n').filter((n) => /^za\d+x\d+$/.test(n));
        if (pools.length > 0) return;
        process.kill(pid, 'SIGTERM');
        await waitFor(() => !alive(pid), { timeoutMs: 30_000, intervalMs: 200, what: `zfs-fuse (pid ${pid}) to stop` }).catch(() =>
          process.kill(pid, 'SIGKILL'),
        );
        await rm(DAEMON_PID, { force: true });
      }),
  };
}

/** Pools on sparse file vdevs in a temp dir, uniquely named per test process; all destroyed by `destroyAll`. */
export class TestPools {
  private readonly pools: string[] = [];
  private dir = '';
  private n = 0;
  readonly prefix = `za${process.pid}x`;

  async create(sizeMb = 96): Promise<{ pool: string; mount: string }> {
    // Not a testkit temp dir: its clean-up must not delete vdevs of a pool that failed to go.
    this.dir ||= await mkdtemp(join(tmpdir(), 'zfs-agent-pools-'));
    const pool = `${this.prefix}${this.n++}`;
    const file = join(this.dir, `${pool}.img`);
    const mount = join(this.dir, 'mnt', pool);
    await mkdir(join(this.dir, 'mnt'), { recursive: true });
    await sh('truncate', ['-s', `${sizeMb}M`, file]);
    await sh('zpool', ['create', '-m', mount, pool, file]);
    this.pools.push(pool);
    return { pool, mount };
  }

  /**
   * Destroys every pool this object made (also after a failed test), then the vdev files. zfs-fuse
   * sometimes calls a pool with nested datasets "busy" (unmount order) for good; after a few tries
   * the pool is exported instead, which removes it from the daemon just as well once its file goes.
   */
  async destroyAll(): Promise<void> {
    const errors: string[] = [];
    for (const pool of this.pools.splice(0).reverse()) {
      if (!(await retry(['destroy', '-f', pool], 6)) && !(await retry(['export', '-f', pool], 10)))
        errors.push(`cannot destroy or export pool ${pool}`);
    }
    // The vdev files stay while a pool is still imported: removing them would fault it.
    if (this.dir && errors.length === 0) await rm(this.dir, { recursive: true, force: true });
    this.dir = '';
    if (errors.length > 0) throw new Error(errors.join('\n'));
  }
}

async function retry(args: string[], attempts: number): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      await sh('zpool', args);
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return false;
}

/** Snapshot names of a dataset (after @), in creation order. */
export async function snapshotsOf(dataset: string): Promise<string[]> {
  const out = await sh('zfs', ['list', '-H', '-r', '-d', '1', '-t', 'snapshot', '-o', 'name', dataset]);
  return out
    .split('\n')
    .filter((l) => l.startsWith(`${dataset}@`))
    .map((l) => l.slice(dataset.length + 1));
}

export async function prop(dataset: string, property: string): Promise<string> {
  return (await sh('zfs', ['get', '-H', '-p', '-o', 'value', property, dataset])).trim();
}

/** sha256 of every file under a folder, by relative path (the data comparison of both mounts). */
export async function checksums(dir: string, base = dir): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(out, await checksums(path, base));
    else if (entry.isFile())
      out[path.slice(base.length + 1)] = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
  }
  return out;
}

/** Everything observable about a pool's datasets and snapshots (for "changed nothing" checks). */
export async function poolState(pool: string): Promise<string> {
  return sh('zfs', ['get', '-H', '-p', '-r', '-o', 'name,property,value', 'type,guid,userrefs,readonly', pool]);
}

/** Destroys pools left by an earlier test process that died (named za<pid>x<n>, pid gone). */
export async function destroyStalePools(): Promise<void> {
  const names = (await sh('zpool', ['list', '-H', '-o', 'name'])).split('\n').filter(Boolean);
  for (const name of names) {
    const match = /^za(\d+)x\d+$/.exec(name);
    if (!match) continue;
    if (!alive(Number(match[1])) && !(await retry(['destroy', '-f', name], 3))) await retry(['export', '-f', name], 3);
  }
  // Their vdev folders: kept when a pool could not go, removable once its owner is dead and it is gone.
  const left = new Set((await sh('zpool', ['list', '-H', '-o', 'name'])).split('\n').filter(Boolean));
  for (const entry of await readdir(tmpdir())) {
    if (!entry.startsWith('zfs-agent-pools-')) continue;
    const dir = join(tmpdir(), entry);
    const pools = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.img')).map((f) => f.slice(0, -4));
    const owned = pools.map((p) => /^za(\d+)x\d+$/.exec(p)?.[1]);
    if (owned.every((pid) => pid !== undefined && !alive(Number(pid))) && pools.every((p) => !left.has(p)))
      await rm(dir, { recursive: true, force: true });
  }
}
