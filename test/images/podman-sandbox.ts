import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// HOMELAB_REPO_ROOT: set by the bench runner, whose bundles live elsewhere than this file.
export const repoRoot = process.env.HOMELAB_REPO_ROOT ?? resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const confDir = join(repoRoot, 'test/images');

export interface PodmanResult {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * podman for the image tests, isolated from the machine: its storage, run state, volumes, network
 * config and temp files live in one temp folder; CONTAINERS_CONF / CONTAINERS_STORAGE_CONF point
 * at this repo's test-only files (runc, raised ulimits, overlay, no network); and every podman
 * command runs in a private mount namespace (held by one `sleep` process) in which /var and /run are
 * overlays whose writes land in the temp folder too. That last part is needed because podman as
 * root also writes outside its storage (/var/lib/containers/cache, /run/runc) whatever the flags.
 * `close()` removes the containers, stops the holder (the namespace and all its mounts go with it)
 * and deletes the folder: nothing is left behind, and the machine's podman config is never read
 * or written.
 */
export class PodmanSandbox {
  private holder: ChildProcess | undefined;
  readonly bin: string;

  private constructor(
    readonly dir: string,
    private readonly events: 'none' | 'file',
  ) {
    this.bin = join(dir, 'bin');
  }

  /** `events: 'file'` keeps podman's events (in the temp folder) for tests that follow `podman events`. */
  static async create(opts: { events?: 'none' | 'file' } = {}): Promise<PodmanSandbox> {
    const dir = await mkdtemp(join(tmpdir(), 'homelab-images-'));
    const sandbox = new PodmanSandbox(dir, opts.events ?? 'none');
    try {
      await sandbox.start();
    } catch (error) {
      await sandbox.close();
      throw error;
    }
    return sandbox;
  }

  get env(): Record<string, string> {
    return {
      CONTAINERS_CONF: join(confDir, 'containers.conf'),
      CONTAINERS_STORAGE_CONF: join(confDir, 'storage.conf'),
      TMPDIR: join(this.dir, 'tmp'),
    };
  }

  /** podman's global flags that move all its state into the temp folder. */
  get globalFlags(): string[] {
    const d = this.dir;
    return [
      '--root',
      join(d, 'storage'),
      '--runroot',
      join(d, 'runroot'),
      '--tmpdir',
      join(d, 'libpod'),
      '--network-config-dir',
      join(d, 'networks'),
      '--volumepath',
      join(d, 'volumes'),
      '--cgroup-manager',
      'cgroupfs',
      '--events-backend',
      this.events,
    ];
  }

  private async start(): Promise<void> {
    for (const sub of ['tmp', 'bin', 'ov/var/upper', 'ov/var/work', 'ov/run/upper', 'ov/run/work']) {
      await mkdir(join(this.dir, sub), { recursive: true });
    }
    const ov = join(this.dir, 'ov');
    const mounts = ['var', 'run']
      .map((d) => `mount -t overlay overlay -o lowerdir=/${d},upperdir=${ov}/${d}/upper,workdir=${ov}/${d}/work /${d}`)
      .join(' && ');
    // The holder: a private mount namespace with the overlays; podman commands join it by PID.
    // It outlives a crashed test run by at most an hour.
    this.holder = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `${mounts} && echo ready && exec sleep 3600`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const holder = this.holder;
    let stderr = '';
    holder.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    await new Promise<void>((resolveReady, reject) => {
      holder.stdout?.on('data', (c: Buffer) => {
        if (c.toString().includes('ready')) resolveReady();
      });
      holder.on('exit', (code) => reject(new Error(`podman sandbox: mount namespace setup failed (exit ${code}): ${stderr}`)));
    });
    // A `podman` on PATH for scripts under test (the image task): the same sandboxed podman.
    const exports = Object.entries(this.env).map(([k, v]) => `export ${k}='${v}'`);
    // The real podman by absolute path: this wrapper is first on PATH itself.
    const real = execFileSync('sh', ['-c', 'command -v podman'], { encoding: 'utf8' }).trim();
    const wrapper = [
      '#!/bin/sh',
      ...exports,
      `exec nsenter -t ${holder.pid} -m --wd="$PWD" ${real} ${this.globalFlags.join(' ')} "$@"`,
      '',
    ].join('\n');
    await writeFile(join(this.bin, 'podman'), wrapper, { mode: 0o755 });
  }

  /** Runs podman inside the sandbox; resolves with the result (rejects only with `check`). */
  podman(args: readonly string[], opts: { input?: string; timeoutMs?: number; check?: boolean; cwd?: string } = {}): Promise<PodmanResult> {
    const pid = this.holder?.pid;
    if (pid === undefined) throw new Error('podman sandbox is closed');
    const argv = ['-t', String(pid), '-m', `--wd=${opts.cwd ?? repoRoot}`, 'podman', ...this.globalFlags, ...args];
    return new Promise((resolveRun, reject) => {
      const child = execFile(
        'nsenter',
        argv,
        { env: { ...process.env, ...this.env }, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 32 * 1024 * 1024, encoding: 'utf8' },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          const result = { stdout, stderr, code };
          if (opts.check !== false && code !== 0) {
            reject(new Error(`podman ${args.join(' ')} failed (exit ${code}):\n${stderr.slice(-4000)}\n${stdout.slice(-2000)}`));
          } else resolveRun(result);
        },
      );
      if (opts.input !== undefined) child.stdin?.end(opts.input);
      else child.stdin?.end();
    });
  }

  /** `podman import` of a tar stream made by `tar -C dir -c .`. */
  async importDir(dir: string, ref: string): Promise<void> {
    const pid = this.holder?.pid;
    if (pid === undefined) throw new Error('podman sandbox is closed');
    const podman = ['nsenter', '-t', String(pid), '-m', 'podman', ...this.globalFlags, 'import', '-q', '-', ref];
    const script = `set -o pipefail; tar -C "$1" -c . | ${podman.map((a) => `'${a}'`).join(' ')}`;
    await new Promise<void>((resolveRun, reject) => {
      execFile('bash', ['-c', script, 'bash', dir], { env: { ...process.env, ...this.env }, timeout: 180_000 }, (error, _out, stderr) =>
        error ? reject(new Error(`podman import failed: ${stderr}`)) : resolveRun(),
      );
    });
  }

  /** Removes every container and volume, stops the namespace holder and deletes the temp folder. */
  async close(): Promise<void> {
    const holder = this.holder;
    if (holder?.pid !== undefined && holder.exitCode === null) {
      await this.podman(['rm', '--all', '--force', '--time', '0'], { check: false, timeoutMs: 60_000 });
      await this.podman(['volume', 'rm', '--all', '--force'], { check: false, timeoutMs: 30_000 });
      await this.podman(['rmi', '--all', '--force'], { check: false, timeoutMs: 60_000 });
      const exited = new Promise((r) => holder.once('exit', r));
      holder.kill('SIGKILL');
      await exited;
    }
    this.holder = undefined;
    await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
