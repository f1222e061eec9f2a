import type { Clock, Logger } from '@homelab/core';
import { errorMessage } from '@homelab/core';
import { isBridgeNotConnected } from '@homelab/rcon';
import type { ArchiveStats, Borg, Rcon, RconConnector, Stager, StageStats, StateStore } from './ports.js';
import type { KeepCounts } from './retention.js';
import type { RunRecord } from './state.js';

/**
 * One backup run, DESIGN.md 3.4: pre-copy (rsync, saving on) -> persist paused -> save-off ->
 * save-all flush -> stage (rsync of what changed since the pre-copy) ->
 * save-on -> borg create from staging -> prune, and compact when prune deleted something -> record. Without a stager, borg runs
 * while paused (the old way, kept for comparison and for hosts without room for a staging copy).
 *
 * The invariant: every path out of the paused state sends save-on (error, timeout, abort), and the
 * paused flag is persisted before save-off so a killed process turns saving back on at its next start.
 */

export type Announce = 'say' | 'tellraw' | 'off';

export interface SequenceDeps {
  connector: RconConnector;
  borg: Borg;
  /** The rsync staging copy; undefined means borg reads the live world while saving is paused. */
  stager: Stager | undefined;
  state: StateStore;
  clock: Clock;
  log: Logger;
}

export interface SequenceOptions {
  id: string;
  trigger: RunRecord['trigger'];
  archive: string;
  /** What borg archives: the staging folder, or the live world when there is no stager. */
  archiveDir: string;
  keep: KeepCounts;
  announce: Announce;
  commandTimeoutMs: number;
  flushTimeoutMs: number;
  /** How long to keep retrying save-on before giving up (the daemon retries later). */
  resumeTimeoutMs: number;
  signal: AbortSignal;
  pid: number;
}

/** An RCON reply that says the command did not do its job (vanilla wording and bridge refusals). */
const FAILED_REPLY = /unknown|refus|not allowed|denied|unable|failed|error|incorrect/i;

export class RconReplyError extends Error {
  override readonly name: string = 'RconReplyError';
}

export class ServerDownError extends RconReplyError {
  override readonly name = 'ServerDownError';
}

export async function runBackup(deps: SequenceDeps, opts: SequenceOptions): Promise<RunRecord> {
  const { clock, log } = deps;
  const startedAt = clock.now();
  const steps: RunRecord['steps'] = [];
  const warnings: string[] = [];
  let failedStep: string | undefined;
  let error: unknown;
  let rcon: Rcon | undefined;
  let rconSuspect = false;
  let unpausedReason: string | undefined;
  let paused = false;
  let freezeMs: number | undefined;
  let stats: ArchiveStats | undefined;
  let staged: StageStats | undefined;
  let pruned: string[] | undefined;
  let resumeError: string | undefined;

  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = clock.now();
    try {
      const value = await fn();
      steps.push({ step: name, ms: clock.now() - t0, ok: true });
      return value;
    } catch (err) {
      steps.push({ step: name, ms: clock.now() - t0, ok: false });
      failedStep ??= name;
      throw err;
    }
  };
  const command = async (text: string, timeoutMs: number) => {
    if (!rcon) throw new Error('no RCON connection');
    try {
      const reply = await rcon.command(text, { timeoutMs, signal: opts.signal });
      if (isBridgeNotConnected(reply)) throw new ServerDownError(reply.trim());
      if (FAILED_REPLY.test(reply)) throw new RconReplyError(`"${text}" was refused or failed: ${reply.trim()}`);
      return reply;
    } catch (err) {
      // After a timeout the connection may still owe a reply: use a fresh one from here on.
      if (!(err instanceof RconReplyError)) rconSuspect = true;
      throw err;
    }
  };
  const say = async (message: string) => {
    if (opts.announce === 'off' || !rcon || rconSuspect) return;
    const text = opts.announce === 'say' ? `say ${message}` : `tellraw @a ${JSON.stringify({ text: message, color: 'gray' })}`;
    try {
      await command(text, opts.commandTimeoutMs);
    } catch (err) {
      warnings.push(`announcement failed: ${errorMessage(err)}`);
    }
  };

  try {
    opts.signal.throwIfAborted();
    rcon = await step('connect', () => deps.connector.connect({ timeoutMs: opts.commandTimeoutMs, signal: opts.signal })).catch((err) => {
      if (opts.signal.aborted) throw err;
      failedStep = undefined;
      unpausedReason = `RCON endpoint unreachable (${errorMessage(err)}): the server is not writing, backing up without pausing`;
      log.warn({ err }, 'RCON endpoint unreachable: backing up without pausing');
      return undefined;
    });
    await say('[backup] starting a backup of the world');

    if (rcon && deps.stager?.precopy) {
      const stager = deps.stager;
      // While saving is still on: the bulk of the copy happens outside the freeze window.
      await step('precopy', () => (stager.precopy as NonNullable<Stager['precopy']>)(opts.signal)).catch((err) => {
        if (opts.signal.aborted) throw err;
        failedStep = undefined;
        warnings.push(`pre-copy failed (the paused copy does it all): ${errorMessage(err)}`);
      });
    }

    if (rcon) {
      paused = true;
      // Persisted before save-off: a process killed from here on sends save-on at its next start.
      await deps.state.update((s) => ({ ...s, paused: { since: clock.now(), pid: opts.pid, run: opts.id } }));
      let freezeStart: number | undefined;
      let serverDown = false;
      try {
        await step('save-off', () => command('save-off', opts.commandTimeoutMs)).catch((err) => {
          if (!(err instanceof ServerDownError)) throw err;
          // The bridge is up but the server is not: nothing was sent, and nothing is writing the world.
          serverDown = true;
          failedStep = undefined;
          unpausedReason = `${err.message}: the server is not writing, backing up without pausing`;
          log.warn({ reply: err.message }, 'the server behind the bridge is down: backing up without pausing');
        });
        if (!serverDown) {
          freezeStart = clock.now();
          await step('save-all flush', () => command('save-all flush', opts.flushTimeoutMs));
          if (deps.stager) {
            const stager = deps.stager;
            staged = await step('stage', () => stager.stage(opts.signal));
          } else {
            stats = await step('create', () => deps.borg.create(opts.archive, opts.archiveDir, opts.signal));
          }
        }
      } finally {
        if (serverDown) {
          paused = false;
          await deps.state.update((s) => ({ ...s, paused: null }));
        } else {
          const resumed = await resumeSaving(deps, rconSuspect ? undefined : rcon, {
            ...opts,
            // On SIGTERM the whole stop must fit in 10 s.
            resumeTimeoutMs: opts.signal.aborted ? Math.min(opts.resumeTimeoutMs, 3_000) : opts.resumeTimeoutMs,
          });
          freezeMs = clock.now() - (freezeStart ?? clock.now());
          steps.push({ step: 'save-on', ms: resumed.ms, ok: resumed.ok });
          if (!resumed.ok) resumeError = resumed.error;
          if (resumed.replaced) {
            await rcon.close().catch(() => {});
            rcon = resumed.replaced;
            rconSuspect = false;
          }
        }
      }
    }
    if (!paused && deps.stager) {
      const stager = deps.stager;
      staged = await step('stage', () => stager.stage(opts.signal));
    }

    // Staged: borg reads the staging copy now that saving is back on. Unstaged and unpaused: the live world.
    if (deps.stager || !paused) stats = await step('create', () => deps.borg.create(opts.archive, opts.archiveDir, opts.signal));
    pruned = (await step('prune', () => deps.borg.prune(opts.keep, opts.signal))).pruned;
    // Only deleted archives leave space to free (an interrupted create is rolled back by borg).
    if (pruned.length > 0) {
      await step('compact', () => deps.borg.compact(opts.signal)).catch((err) => {
        if (opts.signal.aborted) throw err;
        failedStep = undefined;
        warnings.push(`compact failed: ${errorMessage(err)}`);
      });
    }
  } catch (err) {
    error = err;
  }

  if (resumeError && !error) {
    error = new Error(`saving could not be turned back on: ${resumeError}`);
    failedStep = 'save-on';
  }
  const status: RunRecord['status'] = error === undefined ? 'success' : opts.signal.aborted ? 'aborted' : 'failure';
  await say(status === 'success' ? '[backup] backup finished' : `[backup] backup ${status === 'aborted' ? 'aborted' : 'failed'}`);
  await rcon?.close().catch(() => {});

  const finishedAt = clock.now();
  const record: RunRecord = {
    id: opts.id,
    trigger: opts.trigger,
    status,
    startedAt,
    finishedAt,
    durationMs: finishedAt - startedAt,
    archive: stats ? opts.archive : undefined,
    paused,
    unpausedReason,
    freezeMs,
    failedStep: error === undefined ? undefined : (failedStep ?? 'run'),
    error: error === undefined ? undefined : errorMessage(error),
    warnings,
    stats: stats && {
      originalBytes: stats.originalBytes,
      compressedBytes: stats.compressedBytes,
      deduplicatedBytes: stats.deduplicatedBytes,
      files: stats.files,
    },
    staged,
    pruned,
    steps,
  };
  if (stats?.warning) record.warnings.push(`borg create warning: ${stats.warning}`);
  await deps.state.update((s) => ({ ...s, lastRun: record, lastSuccess: status === 'success' ? record : s.lastSuccess }));
  return record;
}

export interface ResumeResult {
  ok: boolean;
  ms: number;
  error?: string;
  /** A new connection opened for save-on; the caller owns (and closes) it. */
  replaced?: Rcon;
}

/**
 * Sends save-on, reconnecting and retrying until `resumeTimeoutMs`; clears the persisted paused
 * flag once the server acknowledged. Deliberately ignores the run's abort signal: this is the way
 * out of the paused state, also during a SIGTERM.
 */
export async function resumeSaving(
  deps: Pick<SequenceDeps, 'connector' | 'state' | 'clock' | 'log'>,
  existing: Rcon | undefined,
  opts: Pick<SequenceOptions, 'commandTimeoutMs' | 'resumeTimeoutMs'>,
): Promise<ResumeResult> {
  const { clock, log } = deps;
  const t0 = clock.now();
  const timeoutMs = Math.min(opts.commandTimeoutMs, 5_000);
  let conn = existing;
  let replaced: Rcon | undefined;
  let lastError = 'not attempted';
  for (let attempt = 0; ; attempt++) {
    try {
      if (!conn) {
        conn = await deps.connector.connect({ timeoutMs });
        replaced = conn;
      }
      const reply = await conn.command('save-on', { timeoutMs });
      if (FAILED_REPLY.test(reply)) throw new RconReplyError(`save-on was refused: ${reply.trim()}`);
      await deps.state.update((s) => ({ ...s, paused: null }));
      if (attempt > 0) log.info({ attempt }, 'save-on sent after retrying');
      return { ok: true, ms: clock.now() - t0, replaced };
    } catch (err) {
      lastError = errorMessage(err);
      log.warn({ attempt, err: lastError }, 'save-on failed; retrying');
      if (conn) await conn.close().catch(() => {});
      conn = undefined;
      replaced = undefined;
      if (clock.now() - t0 >= opts.resumeTimeoutMs) break;
      await clock.sleep(Math.min(250 * 2 ** attempt, 2_000));
    }
  }
  log.error({ error: lastError }, 'saving could not be turned back on; it stays marked paused and is retried');
  return { ok: false, ms: clock.now() - t0, error: lastError };
}

/** At start and before each run: a paused flag left by a killed process means save-on is owed. */
export async function resumeIfPaused(
  deps: Pick<SequenceDeps, 'connector' | 'state' | 'clock' | 'log'>,
  opts: Pick<SequenceOptions, 'commandTimeoutMs' | 'resumeTimeoutMs'>,
): Promise<ResumeResult | undefined> {
  const state = await deps.state.read();
  if (!state.paused) return undefined;
  deps.log.warn({ paused: state.paused }, 'saving was left paused by an interrupted run; sending save-on');
  const result = await resumeSaving(deps, undefined, opts);
  await result.replaced?.close().catch(() => {});
  return result;
}
