import { errorMessage } from '@homelab/core';
import type { Rcon } from './ports.js';
import { FAILED_REPLY, RconReplyError } from './replies.js';
import { saveOnRetryDelay } from './run-steps.js';
import type { SequenceDeps, SequenceOptions } from './sequence.js';

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
      const delay = saveOnRetryDelay(attempt, clock.now() - t0, opts.resumeTimeoutMs);
      if (delay === undefined) break;
      await clock.sleep(delay);
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
