import { ExecError, type Logger, type Runner, type RunOptions, RuntimeError } from '@homelab/core';
import { decideLock, describeHolder, isLiveBorgProcess, type LockHolder, lockTimeoutPath, readLockHolders } from './borg-lock.js';
import type { ArchiveInfo, Borg } from './ports.js';
import type { KeepCounts } from './retention.js';

export interface BorgSettings {
  bin: string;
  repo: string;
  passphrase?: string;
  passcommand?: string;
  /** Stable across container re-creations, so our own stale lock is recognised as ours. */
  hostId: string;
  /** Seconds borg waits for a lock before giving up (`--lock-wait`). */
  lockWaitSeconds: number;
  compression: string;
  /** Shell patterns matched at any depth (`session.lock`, `*.tmp`). */
  excludes: readonly string[];
  archivePrefix: string;
  /** Time zone of prune's days, weeks and months. */
  timeZone: string;
  timeoutMs: number;
  /** Grace between SIGTERM (borg releases its lock) and SIGKILL. */
  killAfterMs: number;
  /** Extra env on every child, so an orphan of a killed run can be recognised. */
  childEnv: Record<string, string>;
}

export class BorgLockError extends RuntimeError {
  override readonly name = 'BorgLockError';
  constructor(
    message: string,
    readonly holders: LockHolder[],
    options?: { cause?: unknown },
  ) {
    super(message, 'BORG_LOCKED', options);
  }
}

export interface BorgClient extends Borg {
  list(signal?: AbortSignal): Promise<ArchiveInfo[]>;
  extract(archive: string, dir: string, signal?: AbortSignal): Promise<void>;
  check(signal?: AbortSignal): Promise<void>;
  breakLock(signal?: AbortSignal): Promise<void>;
}

export interface BorgEvents {
  /** A stale lock of our own host was broken. */
  onLockBroken?(holders: LockHolder[]): void;
}

/** The borg wrapper: every call goes through the runner with an argument array, a timeout and the abort signal. */
export function createBorg(runner: Runner, settings: BorgSettings, log: Logger, events: BorgEvents = {}): BorgClient {
  const env = (timeZone = 'UTC'): Record<string, string | undefined> => ({
    BORG_REPO: settings.repo,
    BORG_PASSPHRASE: settings.passphrase,
    BORG_PASSCOMMAND: settings.passcommand,
    BORG_HOST_ID: settings.hostId,
    TZ: timeZone,
    ...settings.childEnv,
  });
  const lockWait = ['--lock-wait', String(settings.lockWaitSeconds)];

  const borg = (args: string[], opts: RunOptions & { timeZone?: string } = {}) =>
    runner.run(settings.bin, args, {
      timeoutMs: settings.timeoutMs,
      killAfterMs: settings.killAfterMs,
      logLevel: 'info',
      ...opts,
      env: env(opts.timeZone),
      logContext: { borg: args[0], ...opts.logContext },
    });

  /** Runs `fn`; on a lock timeout breaks our own stale lock and retries once, else reports the holder. */
  const withLock = async <T>(what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      const lockPath = error instanceof ExecError ? lockTimeoutPath(error.stderr) : undefined;
      if (!lockPath) throw error;
      const holders = await readLockHolders(lockPath);
      const live = new Set<number>();
      for (const h of holders ?? []) if (await isLiveBorgProcess(h.pid)) live.add(h.pid);
      const decision = decideLock(holders, settings.hostId, (pid) => live.has(pid));
      if (decision.action === 'report') {
        throw new BorgLockError(`borg ${what}: the lock ${lockPath} is ${decision.reason}`, decision.holders, { cause: error });
      }
      if (decision.action === 'break') {
        log.warn(
          { lock: lockPath, holders: decision.holders.map(describeHolder) },
          'breaking our own stale borg lock (no live borg holds it)',
        );
        await borg(['break-lock'], { signal, timeoutMs: 60_000 });
        events.onLockBroken?.(decision.holders);
      }
      return await fn();
    }
  };

  return {
    async create(archive, dir, signal) {
      const excludes = settings.excludes.flatMap((p) => ['--exclude', `sh:**/${p}`]);
      const args = ['create', '--json', ...lockWait, '--compression', settings.compression, ...excludes, `::${archive}`, '.'];
      // Exit code 1 is borg's warning (e.g. a file changed while read): the archive exists.
      const result = await withLock('create', () => borg(args, { cwd: dir, signal, okExitCodes: [1] }), signal);
      const parsed = JSON.parse(result.stdout) as { archive: { name: string; stats: Record<string, number> } };
      const s = parsed.archive.stats;
      return {
        name: parsed.archive.name,
        originalBytes: s.original_size ?? 0,
        compressedBytes: s.compressed_size ?? 0,
        deduplicatedBytes: s.deduplicated_size ?? 0,
        files: s.nfiles ?? 0,
        warning: result.exitCode === 1 ? lastLines(result.stderr) : undefined,
      };
    },

    async prune(keep: KeepCounts, signal) {
      const args = [
        'prune',
        '--list',
        ...lockWait,
        '--glob-archives',
        `${settings.archivePrefix}-*`,
        '--keep-daily',
        String(keep.daily),
        '--keep-weekly',
        String(keep.weekly),
        '--keep-monthly',
        String(keep.monthly),
      ];
      const result = await withLock('prune', () => borg(args, { signal, timeZone: settings.timeZone }), signal);
      const pruned = [...result.stderr.matchAll(/^Pruning archive(?: \(\d+\/\d+\))?:\s+(\S+)/gm)].map((m) => m[1] as string);
      return { pruned };
    },

    async compact(signal) {
      await withLock('compact', () => borg(['compact', ...lockWait], { signal }), signal);
    },

    async check(signal) {
      await withLock('check', () => borg(['check', ...lockWait], { signal }), signal);
    },

    async list(signal) {
      const result = await withLock('list', () => borg(['list', '--json', ...lockWait], { signal, logLevel: 'debug' }), signal);
      const parsed = JSON.parse(result.stdout) as { archives: { name: string; start: string }[] };
      // Run with TZ=UTC, so borg's zone-less local times are UTC.
      return parsed.archives.map((a) => ({ name: a.name, time: Date.parse(`${a.start}Z`) }));
    },

    async extract(archive, dir, signal) {
      await withLock('extract', () => borg(['extract', ...lockWait, `::${archive}`], { cwd: dir, signal }), signal);
    },

    async breakLock(signal) {
      await borg(['break-lock'], { signal, timeoutMs: 60_000 });
    },
  };
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}
