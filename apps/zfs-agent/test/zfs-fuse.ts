import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../../../packages/testkit/src/index.js';

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

/**
 * Makes sure the zfs-fuse daemon runs: when it does not, starts `zfs-fuse --no-daemon` as a real
 * child process (it needs /dev/fuse) and remembers its PID, so `stop` ends only a daemon it started.
 */
export async function ensureZfsFuse(): Promise<{ startedPid?: number; stop(): Promise<void> }> {
  if (await daemonAnswers()) return { stop: async () => {} };
  const child: ChildProcess = spawn('zfs-fuse', ['--no-daemon', '--no-kstat-mount'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await waitFor(daemonAnswers, { timeoutMs: 40_000, intervalMs: 200, what: 'the zfs-fuse daemon to answer' });
  return {
    startedPid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
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

  /** Destroys every pool this object made (also after a failed test), then the vdev files. */
  async destroyAll(): Promise<void> {
    const errors: string[] = [];
    for (const pool of this.pools.splice(0).reverse()) {
      // FUSE keeps a mount busy for a moment after files in it were read: retry for a while.
      let lastError: unknown;
      for (let attempt = 0; attempt < 60; attempt++) {
        try {
          await sh('zpool', ['destroy', '-f', pool]);
          lastError = undefined;
          break;
        } catch (error) {
          lastError = error;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      if (lastError) errors.push(String(lastError));
    }
    // The vdev files stay while a pool could not be destroyed: removing them would fault it.
    if (this.dir && errors.length === 0) await rm(this.dir, { recursive: true, force: true });
    this.dir = '';
    if (errors.length > 0) throw new Error(errors.join('\n'));
  }
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
    const pid = Number(match[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive) await sh('zpool', ['destroy', '-f', name]).catch(() => {});
  }
}
