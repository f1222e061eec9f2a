import { ExecError, type Runner, type RunOptions, RuntimeError } from '@homelab/core';

/** What labctl needs from podman: a small interface so planning is tested with a recording fake. */
export interface PodmanContainer {
  name: string;
  /** podman's state: created, running, exited, stopped, paused, ... */
  state: string;
  labels: Record<string, string>;
  pid: number;
}

export interface Podman {
  containers(): Promise<PodmanContainer[]>;
  /**
   * PIDs of those of `names` that run, from one `podman container inspect` of just them (a missing
   * container is not running): cheaper than `containers()`, which lists and syncs every container.
   */
  running(names: readonly string[]): Promise<Map<string, number>>;
  volumes(): Promise<string[]>;
  createVolume(name: string): Promise<void>;
  removeVolume(name: string): Promise<void>;
  /** `podman run -d <args>`: creates and starts a container. */
  run(args: readonly string[]): Promise<void>;
  start(name: string): Promise<void>;
  /** Stops (with a grace period) and removes a container. */
  remove(name: string): Promise<void>;
  /** `podman healthcheck run`: true when the check passes. */
  healthcheck(name: string): Promise<boolean>;
  /** `podman container inspect` of one container (the raw JSON object), undefined when it does not exist. */
  inspect(name: string): Promise<Record<string, unknown> | undefined>;
  /** `podman exec` (no shell): exit code and output. */
  exec(name: string, argv: readonly string[]): Promise<{ code: number; stdout: string }>;
}

const TIMEOUT = { timeoutMs: 120_000 };

/** The real podman through the exec wrapper (as `user` through runuser for rootless podman). */
export function createPodman(runner: Runner, user?: string): Podman {
  const podman = (args: readonly string[], opts: RunOptions = TIMEOUT) =>
    user ? runner.run('runuser', ['-u', user, '--', 'podman', ...args], opts) : runner.run('podman', args, opts);
  const failed = (what: string, error: unknown) =>
    new RuntimeError(`podman ${what} failed: ${(error as Error).message}`, 'PODMAN', { cause: error });
  const must = async (what: string, args: readonly string[], okExitCodes: readonly number[] = []) => {
    try {
      return await podman(args, { ...TIMEOUT, okExitCodes });
    } catch (error) {
      throw failed(what, error);
    }
  };
  return {
    async containers() {
      const { stdout } = await must('ps', ['ps', '--all', '--format', 'json']);
      return parsePodmanPs(stdout);
    },
    async running(names) {
      if (names.length === 0) return new Map();
      // podman exits 125 when one of the names does not exist, printing the others.
      const { stdout, stderr, exitCode } = await must(
        'container inspect',
        ['container', 'inspect', '--format', '{{.Name}}\t{{.State.Running}}\t{{.State.Pid}}', ...names],
        [125],
      );
      if (exitCode !== 0 && !onlyMissing(stderr)) throw failed('container inspect', new Error(stderr.trim()));
      return parseRunningPids(stdout);
    },
    async volumes() {
      const { stdout } = await must('volume ls', ['volume', 'ls', '--format', '{{.Name}}']);
      return stdout.split('\n').filter((l) => l.trim() !== '');
    },
    async createVolume(name) {
      await must(`volume create ${name}`, ['volume', 'create', '--label', 'io.homelab.labctl=1', name]);
    },
    async removeVolume(name) {
      await must(`volume rm ${name}`, ['volume', 'rm', name]);
    },
    async run(args) {
      await must('run', ['run', '-d', ...args]);
    },
    async start(name) {
      await must(`start ${name}`, ['start', name]);
    },
    async remove(name) {
      await must(`rm ${name}`, ['rm', '--force', '--time', '10', name]);
    },
    async healthcheck(name) {
      try {
        await podman(['healthcheck', 'run', name], { timeoutMs: 60_000 });
        return true;
      } catch (error) {
        if (error instanceof ExecError) return false;
        throw error;
      }
    },
    async inspect(name) {
      try {
        const { stdout } = await podman(['container', 'inspect', name]);
        return (JSON.parse(stdout) as Record<string, unknown>[])[0];
      } catch (error) {
        if (error instanceof ExecError) return undefined;
        throw error;
      }
    },
    async exec(name, argv) {
      try {
        const { stdout } = await podman(['exec', name, ...argv], { timeoutMs: 30_000 });
        return { code: 0, stdout };
      } catch (error) {
        if (error instanceof ExecError) return { code: error.processExitCode ?? 1, stdout: '' };
        throw error;
      }
    },
  };
}

interface PsEntry {
  Names?: string[];
  State?: string;
  Labels?: Record<string, string> | null;
  Pid?: number;
}

/** Pure: `podman ps --all --format json` to containers. */
export function parsePodmanPs(json: string): PodmanContainer[] {
  const entries = JSON.parse(json.trim() || '[]') as PsEntry[];
  return entries.flatMap((e) => {
    const name = e.Names?.[0];
    return name ? [{ name, state: e.State ?? 'unknown', labels: e.Labels ?? {}, pid: e.Pid ?? 0 }] : [];
  });
}

/** Pure: every error line of podman's stderr says a container does not exist. */
export function onlyMissing(stderr: string): boolean {
  const errors = stderr.split('\n').filter((l) => l.trim() !== '');
  return errors.length > 0 && errors.every((l) => /no such container/i.test(l));
}

/** Pure: `name<TAB>running<TAB>pid` lines to the PIDs of the running ones. */
export function parseRunningPids(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, running, pid] = line.trim().split('\t');
    const n = Number(pid);
    if (name && running === 'true' && Number.isInteger(n) && n > 0) out.set(name.replace(/^\//, ''), n);
  }
  return out;
}
