import type { Clock, Logger } from '@homelab/core';
import { errorMessage } from '@homelab/core';
import { isBridgeNotConnected } from '@homelab/rcon';
import type { ArchiveStats, Borg, Rcon, RconConnector, Stager, StageStats, StateStore } from './ports.js';
import { FAILED_REPLY, RconReplyError, ServerDownError } from './replies.js';
import type { KeepCounts } from './retention.js';
import { type Failure, nextStep, type Outcome, runRecord, type Step, startRun } from './run-steps.js';
import { resumeSaving } from './save-on.js';
import type { RunRecord } from './state.js';

/**
 * The runner of one backup run (docs/design.md 3.4): it executes the steps the pure decision in
 * run-steps.ts chooses (pre-copy, persist paused, save-off, flush, stage, save-on, borg create,
 * prune, compact) and feeds each outcome back. It decides nothing itself: which step follows a
 * failure, what is only a warning and how the run ends are run-steps.ts's. Without a stager, borg
 * runs while paused (the old way, kept for comparison and for hosts without room for a staging copy).
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
  /** Children a killed run left behind, being stopped: awaited before any step but the owed save-on. */
  leftovers?: Promise<void>;
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

export async function runBackup(deps: SequenceDeps, opts: SequenceOptions): Promise<RunRecord> {
  const { clock, log } = deps;
  const startedAt = clock.now();
  let rcon: Rcon | undefined;
  const savingLeftOff = await deps.state.read().then(
    (s) => s.paused !== null,
    (err: unknown) => {
      // As before the step decision: the run goes on, its own save-off/save-on clears a left flag.
      log.warn({ error: errorMessage(err) }, 'recovery before the run failed');
      return false;
    },
  );
  if (savingLeftOff) log.warn('saving was left paused by an interrupted run; sending save-on');
  const abortReason = () => (opts.signal.aborted ? errorMessage(opts.signal.reason) : undefined);

  const command = async (text: string, timeoutMs: number) => {
    if (!rcon) throw new Error('no RCON connection');
    const reply = await rcon.command(text, { timeoutMs, signal: opts.signal });
    if (isBridgeNotConnected(reply)) throw new ServerDownError(reply.trim());
    if (FAILED_REPLY.test(reply)) throw new RconReplyError(`"${text}" was refused or failed: ${reply.trim()}`);
    return reply;
  };
  const announcement = (text: string) =>
    opts.announce === 'say' ? `say ${text}` : `tellraw @a ${JSON.stringify({ text, color: 'gray' })}`;
  const resume = async (existing: Rcon | undefined, quick: boolean) => {
    // On SIGTERM the whole stop must fit in 10 s.
    const resumeTimeoutMs = quick ? Math.min(opts.resumeTimeoutMs, 3_000) : opts.resumeTimeoutMs;
    return resumeSaving(deps, existing, { commandTimeoutMs: opts.commandTimeoutMs, resumeTimeoutMs });
  };

  /** Executes one step; what it did goes back to the decision. */
  const execute = async (step: Step): Promise<StepResult> => {
    switch (step.kind) {
      case 'owed-save-on': {
        const resumed = await resume(undefined, false);
        await resumed.replaced?.close().catch(() => {});
        return resumed.ok ? {} : { failure: 'error', error: resumed.error };
      }
      case 'connect':
        rcon = await deps.connector.connect({ timeoutMs: opts.commandTimeoutMs, signal: opts.signal });
        return {};
      case 'announce':
        await command(announcement(step.text), opts.commandTimeoutMs);
        return {};
      case 'precopy':
        await deps.stager?.precopy?.(opts.signal);
        return {};
      case 'mark-paused':
        await deps.state.update((s) => ({ ...s, paused: { since: clock.now(), pid: opts.pid, run: opts.id } }));
        return {};
      case 'save-off':
        await command('save-off', opts.commandTimeoutMs);
        return {};
      case 'flush':
        await command('save-all flush', opts.flushTimeoutMs);
        return {};
      case 'stage':
        return { staged: await (deps.stager as Stager).stage(opts.signal) };
      case 'create':
        return { stats: await deps.borg.create(opts.archive, opts.archiveDir, opts.signal) };
      case 'save-on': {
        const old = rcon;
        const resumed = await resume(step.freshConnection ? undefined : old, step.quick);
        if (resumed.replaced) {
          await old?.close().catch(() => {});
          rcon = resumed.replaced;
        }
        return resumed.ok ? { ms: resumed.ms } : { ms: resumed.ms, failure: 'error', error: resumed.error };
      }
      case 'unmark-paused':
        await deps.state.update((s) => ({ ...s, paused: null }));
        return {};
      case 'prune':
        return { pruned: (await deps.borg.prune(opts.keep, opts.signal)).pruned };
      case 'compact':
        await deps.borg.compact(opts.signal);
        return {};
      case 'done':
        return {};
    }
  };
  const failureOf = (err: unknown, step: Step): Failure => {
    if (err instanceof ServerDownError) return 'server-down';
    if (err instanceof RconReplyError) return 'refused';
    // After a timeout an RCON connection may still owe a reply.
    return RCON_STEPS.has(step.kind) ? 'no-reply' : 'error';
  };

  let run = startRun({
    staged: deps.stager !== undefined,
    precopy: deps.stager?.precopy !== undefined,
    announce: opts.announce !== 'off',
    savingLeftOff,
  });
  let outcome: Outcome = { ok: true, ms: 0, at: startedAt, aborted: abortReason() };
  for (;;) {
    const decision = nextStep(run, outcome);
    run = decision.run;
    if (decision.note) log.warn({ error: outcome.ok ? undefined : outcome.error }, decision.note);
    const step = decision.step;
    if (step.kind === 'done') break;
    if (step.kind !== 'owed-save-on') await deps.leftovers;
    const t0 = clock.now();
    let result: StepResult;
    try {
      result = await execute(step);
    } catch (err) {
      result = { failure: failureOf(err, step), error: errorMessage(err) };
    }
    const at = clock.now();
    const base = { ms: result.ms ?? at - t0, at, aborted: abortReason() };
    outcome =
      result.failure !== undefined
        ? { ...base, ok: false, failure: result.failure, error: result.error ?? 'failed' }
        : { ...base, ok: true, staged: result.staged, stats: result.stats, pruned: result.pruned };
  }
  await rcon?.close().catch(() => {});

  const record = runRecord(run, { id: opts.id, trigger: opts.trigger, archive: opts.archive, startedAt, finishedAt: clock.now() });
  await deps.state.update((s) => ({ ...s, lastRun: record, lastSuccess: record.status === 'success' ? record : s.lastSuccess }));
  return record;
}

/** What a step did, before the runner adds its time: a failure, or what the record keeps. */
interface StepResult {
  /** Overrides the measured time (save-on reports its own). */
  ms?: number;
  failure?: Failure;
  error?: string;
  staged?: StageStats;
  stats?: ArchiveStats;
  pruned?: string[];
}

/** Steps that send an RCON command (their errors other than a reply leave the connection suspect). */
const RCON_STEPS = new Set<Step['kind']>(['announce', 'save-off', 'flush']);
