/**
 * When GoAccess runs, as a pure policy: every function takes the state and `now` and returns a new
 * state or a decision, so the rules are tested with plain numbers (schedule.test.ts).
 *
 * - New lines (the log's identity or size changed since it was last seen) start a batch; the batch
 *   runs once the log has been quiet for `debounceMs`, or `maxWaitMs` after its first change when the
 *   log never goes quiet (a busy proxy still gets a fresh report).
 * - A run also happens `intervalMs` after the last good one even when the log is quiet, so the report
 *   and the readiness check never go stale; the first run happens at once (at start).
 * - One run at a time: lines arriving during a run form the next batch.
 * - A failed run keeps its batch and waits for a doubling backoff before the next attempt.
 */
export interface ScheduleSettings {
  debounceMs: number;
  maxWaitMs: number;
  intervalMs: number;
  retryMinMs: number;
  retryMaxMs: number;
}

/** New lines not yet covered by a run: when they were first and last seen. */
export interface Batch {
  first: number;
  last: number;
}

export interface ScheduleState {
  pending: Batch | undefined;
  /** The log's identity as last observed (undefined: not observed yet, or missing). */
  seen: string | undefined;
  running: { startedAt: number; batch: Batch | undefined } | undefined;
  /** When the last good run started: the report covers the log at least up to then. */
  lastGoodAt: number | undefined;
  failures: number;
  retryAt: number | undefined;
}

export type RunReason = 'start' | 'new-lines' | 'interval';

export type Decision = { kind: 'run'; reason: RunReason } | { kind: 'wait'; until: number } | { kind: 'busy' };

export function initialSchedule(): ScheduleState {
  return { pending: undefined, seen: undefined, running: undefined, lastGoodAt: undefined, failures: 0, retryAt: undefined };
}

function merge(a: Batch | undefined, b: Batch | undefined): Batch | undefined {
  if (!a) return b;
  if (!b) return a;
  return { first: Math.min(a.first, b.first), last: Math.max(a.last, b.last) };
}

/** Records what the log looks like now; a changed identity means new lines (or a rotated log). */
export function observeLog(state: ScheduleState, identity: string | undefined, now: number): ScheduleState {
  if (identity === state.seen) return state;
  // A log that disappeared has no new lines to read; its reappearance does.
  const pending = identity === undefined ? state.pending : merge(state.pending, { first: now, last: now });
  return { ...state, seen: identity, pending };
}

export function backoffMs(failures: number, settings: ScheduleSettings): number {
  if (failures <= 0) return 0;
  return Math.min(settings.retryMaxMs, settings.retryMinMs * 2 ** Math.min(failures - 1, 30));
}

/** When the next run is due, and why. */
export function nextRun(state: ScheduleState, settings: ScheduleSettings): { at: number; reason: RunReason } {
  const periodic =
    state.lastGoodAt === undefined
      ? { at: Number.NEGATIVE_INFINITY, reason: 'start' as const }
      : { at: state.lastGoodAt + settings.intervalMs, reason: 'interval' as const };
  let due: { at: number; reason: RunReason } = periodic;
  const batch = state.pending;
  if (batch) {
    const at = Math.min(batch.last + settings.debounceMs, batch.first + settings.maxWaitMs);
    if (at < due.at) due = { at, reason: 'new-lines' };
  }
  return state.retryAt === undefined ? due : { ...due, at: Math.max(due.at, state.retryAt) };
}

export function decide(state: ScheduleState, now: number, settings: ScheduleSettings): Decision {
  if (state.running) return { kind: 'busy' };
  const due = nextRun(state, settings);
  return now >= due.at ? { kind: 'run', reason: due.reason } : { kind: 'wait', until: due.at };
}

/** The pending batch moves into the run; lines seen from now on form the next batch. */
export function startRun(state: ScheduleState, now: number): ScheduleState {
  return { ...state, pending: undefined, running: { startedAt: now, batch: state.pending } };
}

export function finishRun(state: ScheduleState, now: number, ok: boolean, settings: ScheduleSettings): ScheduleState {
  const started = state.running?.startedAt ?? now;
  if (ok) return { ...state, running: undefined, lastGoodAt: started, failures: 0, retryAt: undefined };
  const failures = state.failures + 1;
  return {
    ...state,
    pending: merge(state.running?.batch, state.pending),
    running: undefined,
    failures,
    retryAt: now + backoffMs(failures, settings),
  };
}

/** Pure readiness: a report exists and the last good run is recent enough. */
export function readiness(opts: { published: boolean; lastGoodAt: number | undefined; now: number; staleAfterMs: number }): {
  ok: boolean;
  detail: string;
} {
  if (!opts.published) return { ok: false, detail: 'no report published yet' };
  if (opts.lastGoodAt === undefined) return { ok: false, detail: 'no good run since start' };
  const age = opts.now - opts.lastGoodAt;
  if (age > opts.staleAfterMs) return { ok: false, detail: `last good run ${Math.round(age / 1000)} s ago` };
  return { ok: true, detail: `last good run ${Math.round(age / 1000)} s ago` };
}
