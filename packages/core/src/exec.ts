import type { Readable, Writable } from 'node:stream';
import type { Options, Result, ResultPromise } from 'execa';
import { ExecError } from './errors.js';
import type { Logger } from './logger.js';
import { watchProcessGroup } from './process-group.js';

export interface RunOptions {
  /** Hard limit; the child gets SIGTERM, then SIGKILL after `killAfterMs`. Default 10 min. */
  timeoutMs?: number;
  /** Aborting sends SIGTERM, then SIGKILL after `killAfterMs`. */
  signal?: AbortSignal;
  /** Grace between SIGTERM and SIGKILL. Default 5 s. */
  killAfterMs?: number;
  cwd?: string;
  /** Added to (not replacing) the parent's environment unless `extendEnv` is false. */
  env?: Record<string, string | undefined>;
  extendEnv?: boolean;
  input?: string | Uint8Array;
  /** Exit codes that count as success besides 0 (e.g. borg's 1 = warning). */
  okExitCodes?: readonly number[];
  /** Log level of the start/end lines; default debug. */
  logLevel?: 'debug' | 'info';
  /** Extra fields for the start/end log lines (never secrets). */
  logContext?: Record<string, unknown>;
  /** Arguments at these indexes are logged as [REDACTED]. */
  secretArgs?: readonly number[];
  /**
   * run() only: start the child as the leader of its own process group, and stop the whole group
   * (SIGTERM, then SIGKILL after `killAfterMs`) at the timeout, on abort and when the leader exits,
   * so nothing it started in the background outlives it (see process-group.ts).
   */
  processGroup?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  durationMs: number;
}

/** The interface code depends on; tests pass a recording fake or a real runner with fixtures on PATH. */
export interface Runner {
  run(command: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
}

/** How a started child ended. */
export interface ChildResult {
  /** undefined when it was killed by a signal or could not be started. */
  exitCode: number | undefined;
  signal: string | undefined;
  /** A non-zero exit, a signal, the timeout, an abort, or no start at all. */
  failed: boolean;
  timedOut: boolean;
  aborted: boolean;
  /** Why it could not be started (e.g. ENOENT), when that is the case. */
  startError: string | undefined;
  /** What it wrote, when the stream was piped and buffered (empty otherwise). */
  stderr: string;
  durationMs: number;
}

/** A child started by `ProcessRunner.start`: the project's own type, not the exec library's. */
export interface Child {
  readonly pid: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Until it has ended. */
  readonly running: boolean;
  /** Resolves (never rejects) when it has ended. */
  readonly done: Promise<ChildResult>;
  kill(signal?: NodeJS.Signals): void;
}

export interface ProcessRunner extends Runner {
  /** Starts a long-running or streaming child with the same defaults; the caller awaits `done` or pipes it. */
  start(command: string, args: readonly string[], opts?: RunOptions & StartStdio): Child;
}

export interface StartStdio {
  stdin?: Options['stdin'];
  stdout?: Options['stdout'];
  stderr?: Options['stderr'];
  /** Keep stdout as bytes (for piping binary streams). */
  binary?: boolean;
  /** false: do not collect the output in memory (a long-running child whose streams are read live). */
  buffer?: boolean;
}

/**
 * execa is loaded on the first subprocess, not at start: it is the largest module of the core
 * (about 12 MiB of resident memory), and most sidecars idle for hours between subprocesses.
 * A plain require() keeps start() synchronous; the bundler turns it into a lazy module init.
 */
let execaModule: typeof import('execa') | undefined;
function execa(file: string, args: readonly string[], options: Options): ResultPromise {
  execaModule ??= require('execa') as typeof import('execa');
  return execaModule.execa(file, args, options);
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_KILL_AFTER_MS = 5_000;

export function createRunner(opts: { log: Logger }): ProcessRunner {
  const log = opts.log.child({ component: 'exec' });

  const execaOptions = (o: RunOptions & StartStdio): Options => ({
    // A process group is stopped by watchProcessGroup, not by execa (which signals the leader only).
    ...(o.processGroup
      ? { detached: true }
      : {
          timeout: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          cancelSignal: o.signal,
          forceKillAfterDelay: o.killAfterMs ?? DEFAULT_KILL_AFTER_MS,
        }),
    killSignal: 'SIGTERM',
    cwd: o.cwd,
    env: o.env,
    extendEnv: o.extendEnv ?? true,
    input: o.input,
    stdin: o.input === undefined ? (o.stdin ?? 'ignore') : undefined,
    stdout: o.stdout ?? 'pipe',
    stderr: o.stderr ?? 'pipe',
    encoding: o.binary ? 'buffer' : 'utf8',
    stripFinalNewline: false,
    reject: false,
    maxBuffer: 256 * 1024 * 1024,
    buffer: o.buffer ?? true,
  });

  const shownArgs = (args: readonly string[], secret?: readonly number[]) => args.map((a, i) => (secret?.includes(i) ? '[REDACTED]' : a));

  return {
    start(command, args, o = {}) {
      if (o.processGroup) throw new TypeError('processGroup is an option of run(), not start()');
      log[o.logLevel ?? 'debug']({ command, args: shownArgs(args, o.secretArgs), ...o.logContext }, 'process start');
      return asChild(execa(command, args, execaOptions(o)), performance.now());
    },

    async run(command, args, o = {}) {
      const started = performance.now();
      const level = o.logLevel ?? 'debug';
      const logArgs = shownArgs(args, o.secretArgs);
      log[level]({ command, args: logArgs, ...o.logContext }, 'process start');
      const subprocess = execa(command, args, execaOptions(o));
      const group = o.processGroup
        ? watchProcessGroup(subprocess, {
            timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
            killAfterMs: o.killAfterMs ?? DEFAULT_KILL_AFTER_MS,
            signal: o.signal,
          })
        : undefined;
      const result = await subprocess;
      await group?.settled();
      const timedOut = result.timedOut === true || group?.outcome.timedOut === true;
      const aborted = result.isCanceled === true || group?.outcome.aborted === true;
      const durationMs = Math.round(performance.now() - started);
      const stdout = String(result.stdout ?? '');
      const stderr = String(result.stderr ?? '');
      const exitCode = result.exitCode;
      const ok = (!result.failed || (exitCode !== undefined && (o.okExitCodes ?? []).includes(exitCode))) && !timedOut && !aborted;
      if (ok) {
        log[level]({ command, exitCode, durationMs, ...o.logContext }, 'process end');
        return { stdout, stderr, exitCode: exitCode ?? 0, durationMs };
      }
      const spawnError = exitCode === undefined && !result.signal ? result.originalMessage || result.shortMessage : '';
      const error = new ExecError(
        {
          command,
          args: logArgs,
          exitCode,
          signal: result.signal,
          timedOut,
          aborted,
          stderr: stderr || spawnError || '',
          durationMs,
        },
        { cause: result.cause },
      );
      log.warn(
        {
          command,
          exitCode,
          signal: result.signal,
          timedOut: error.timedOut,
          aborted: error.aborted,
          durationMs,
          stderr: error.stderr.slice(-2000),
          ...o.logContext,
        },
        'process failed',
      );
      throw error;
    },
  };
}

/** execa's subprocess as the project's Child (its promise never rejects: `reject: false`). */
function asChild(subprocess: ResultPromise, started: number): Child {
  let running = true;
  const settle = (result: Result): ChildResult => {
    running = false;
    const notStarted = result.exitCode === undefined && !result.signal;
    return {
      exitCode: result.exitCode,
      signal: result.signal,
      failed: result.failed === true,
      timedOut: result.timedOut === true,
      aborted: result.isCanceled === true,
      startError: notStarted ? result.originalMessage || result.shortMessage || 'could not be started' : undefined,
      stderr:
        typeof result.stderr === 'string'
          ? result.stderr
          : result.stderr instanceof Uint8Array
            ? Buffer.from(result.stderr).toString('utf8')
            : '',
      durationMs: Math.round(performance.now() - started),
    };
  };
  const done = subprocess.then(settle, (error: Result) => settle(error));
  return {
    pid: subprocess.pid,
    stdin: subprocess.stdin,
    stdout: subprocess.stdout,
    stderr: subprocess.stderr,
    get running() {
      return running;
    },
    done,
    kill: (signal) => {
      subprocess.kill(signal);
    },
  };
}
