import type { Child, ProcessRunner } from './exec.js';
import type { Lifecycle } from './lifecycle.js';
import { onLines } from './lines.js';
import type { Logger } from './logger.js';

/** How a supervised child ended. */
export interface ChildExit {
  code: number | undefined;
  signal: string | undefined;
  /** Why it could not be started at all (e.g. ENOENT), when that is the case. */
  error?: string;
  /** How long it ran. */
  durationMs: number;
}

export interface SuperviseOptions {
  runner: ProcessRunner;
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** false: `env` is its whole environment (never our secrets). Default true. */
  extendEnv?: boolean;
  log: Logger;
  /** Names the child in the logs: "<name> started", "<name> exited". */
  name: string;
  /** Its output line by line; without it, its output goes to ours as it is. */
  onLine?: (line: string) => void;
  /** The streams `onLine` reads (default both); the other one is ignored. */
  lineStreams?: readonly ('stdout' | 'stderr')[];
  /** Grace between SIGTERM and SIGKILL when it is stopped. */
  killAfterMs: number;
}

export interface SupervisedChild {
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Resolves with how it ended (never rejects). */
  readonly exited: Promise<ChildExit>;
  /** Waits up to `ms` for it to end; true when it did. */
  exitedWithin(ms: number): Promise<boolean>;
  /** Passes a signal on (SIGHUP to reload, for one); the caller logs why. */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `killAfterMs`; resolves with how it ended. */
  stop(): Promise<ChildExit>;
}

/**
 * The one child supervisor: starts a long-running child (a server the sidecar runs), logs its
 * start and its exit with how long it ran, and stops it with SIGTERM, then SIGKILL after a grace.
 * What to do before the signals (rcon-bridge asks Minecraft to `stop` first) is the caller's.
 */
export function superviseChild(opts: SuperviseOptions): SupervisedChild {
  const { log, name } = opts;
  const streams = opts.onLine ? (opts.lineStreams ?? ['stdout', 'stderr']) : [];
  const stdio = (stream: 'stdout' | 'stderr') => (opts.onLine === undefined ? 'inherit' : streams.includes(stream) ? 'pipe' : 'ignore');
  const child: Child = opts.runner.start(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: opts.extendEnv,
    timeoutMs: 0,
    killAfterMs: opts.killAfterMs,
    stdin: 'ignore',
    stdout: stdio('stdout'),
    stderr: stdio('stderr'),
    buffer: false,
    logContext: { component: name },
  });
  if (opts.onLine) for (const stream of streams) onLines(child[stream], opts.onLine);
  log.info({ pid: child.pid, command: opts.command, args: opts.args }, `${name} started`);
  const exited = child.done.then((result): ChildExit => {
    const exit: ChildExit = {
      code: result.exitCode,
      signal: result.signal,
      ...(result.startError === undefined ? {} : { error: result.startError }),
      durationMs: result.durationMs,
    };
    log[exit.code === 0 ? 'info' : 'warn'](exit, `${name} exited`);
    return exit;
  });

  const exitWithin = async (ms: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const done = await Promise.race([exited.then(() => true), timeout]);
    clearTimeout(timer);
    return done;
  };

  return {
    pid: child.pid,
    get running() {
      return child.running;
    },
    exited,
    exitedWithin: exitWithin,
    signal(signal) {
      if (child.running) child.kill(signal);
    },
    async stop() {
      if (!child.running) return exited;
      log.info(`stopping ${name} (SIGTERM)`);
      child.kill('SIGTERM');
      if (await exitWithin(opts.killAfterMs)) return exited;
      log.error({ timeoutMs: opts.killAfterMs }, `${name} did not exit after SIGTERM; sending SIGKILL`);
      child.kill('SIGKILL');
      return exited;
    },
  };
}

/**
 * A child the service cannot do without (lighttpd, sshd): a stop of the service stops it, and its
 * dying on its own stops the service, so the container restarts instead of serving nothing.
 * `failed()` tells the exit code (1) apart from a requested stop.
 */
export function superviseService(child: SupervisedChild, lifecycle: Lifecycle, log: Logger, name: string): { failed(): boolean } {
  let stopping = false;
  let failed = false;
  void child.exited.then((exit) => {
    if (stopping || lifecycle.signal.aborted) return;
    failed = true;
    log.error({ exitCode: exit.code, signal: exit.signal, durationMs: exit.durationMs }, `${name} exited; stopping`);
    void lifecycle.stop(`${name} exited`);
  });
  lifecycle.onStop(name, async () => {
    stopping = true;
    await child.stop();
  });
  return { failed: () => failed };
}
