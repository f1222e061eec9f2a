/**
 * Debounce and single flight as a pure policy (the one copy: map-watcher's renders, the re-renders
 * of cgit-config, sftp-config and filestash-config, proxy-stats' report runs): every function takes the state and `now` and returns a new state or a decision, so the
 * rules are tested with plain numbers (see debounce.test.ts); DebouncedJob is the effectful shell.
 *
 * - Trailing debounce: run once the input has been quiet for `debounceMs`.
 * - Maximum wait: input that never goes quiet still runs `maxWaitMs` after its first change.
 * - Single flight: while a run is in flight nothing else starts; changes that arrive meanwhile form
 *   the next batch, which becomes exactly one follow-up run (debounced like any other batch).
 * - A failed run puts its batch back and the next attempt waits for a doubling backoff.
 */
export interface DebounceSettings {
  debounceMs: number;
  maxWaitMs: number;
  retryMinMs: number;
  retryMaxMs: number;
}

/**
 * Settings for a job whose task keeps its own errors (so it never backs off): it runs after
 * `quietMs` without a change, and a steady stream of changes still runs it after three quiet
 * periods (at least 1 s). The re-renders of cgit-config, sftp-config and filestash-config.
 */
export function quietPeriod(quietMs: number): DebounceSettings {
  return { debounceMs: quietMs, maxWaitMs: Math.max(1000, quietMs * 3), retryMinMs: quietMs, retryMaxMs: quietMs };
}

/** Changes not yet covered by a run. */
export interface Batch {
  /** Time of the first and the last change in the batch. */
  first: number;
  last: number;
  count: number;
  /** Run without waiting for quiet (e.g. the first run at start when the output is stale). */
  immediate: boolean;
}

export interface DebounceState {
  pending: Batch | undefined;
  inFlight: { startedAt: number; batch: Batch | undefined } | undefined;
  /** Consecutive failed runs. */
  failures: number;
  /** No run before this time (backoff after a failure). */
  retryAt: number | undefined;
}

export type Decision =
  | { kind: 'run' }
  | { kind: 'wait'; until: number }
  /** Nothing to do until a change arrives. */
  | { kind: 'idle' }
  /** A run is in flight; the next decision comes when it ends. */
  | { kind: 'busy' };

export function initialDebounce(opts: { now: number; runAtStart: boolean }): DebounceState {
  const pending = opts.runAtStart ? { first: opts.now, last: opts.now, count: 0, immediate: true } : undefined;
  return { pending, inFlight: undefined, failures: 0, retryAt: undefined };
}

function merge(a: Batch | undefined, b: Batch | undefined): Batch | undefined {
  if (!a) return b;
  if (!b) return a;
  return {
    first: Math.min(a.first, b.first),
    last: Math.max(a.last, b.last),
    count: a.count + b.count,
    immediate: a.immediate || b.immediate,
  };
}

export function recordChanges(state: DebounceState, now: number, count = 1): DebounceState {
  return { ...state, pending: merge(state.pending, { first: now, last: now, count, immediate: false }) };
}

/** Asks for a run without waiting for quiet (the output is missing or stale at start). */
export function requestImmediate(state: DebounceState, now: number): DebounceState {
  return { ...state, pending: merge(state.pending, { first: now, last: now, count: 0, immediate: true }) };
}

/** The pending batch moves into the run; changes from now on form the next batch. */
export function startRun(state: DebounceState, now: number): DebounceState {
  return { ...state, pending: undefined, inFlight: { startedAt: now, batch: state.pending } };
}

export function backoffMs(failures: number, settings: DebounceSettings): number {
  if (failures <= 0) return 0;
  return Math.min(settings.retryMaxMs, settings.retryMinMs * 2 ** Math.min(failures - 1, 30));
}

export function finishRun(state: DebounceState, now: number, ok: boolean, settings: DebounceSettings): DebounceState {
  if (ok) return { ...state, inFlight: undefined, failures: 0, retryAt: undefined };
  const failures = state.failures + 1;
  // The failed batch is still not covered: keep it (a failed start run stays immediate).
  const failed = state.inFlight?.batch ?? { first: now, last: now, count: 0, immediate: true };
  return {
    pending: merge(failed, state.pending),
    inFlight: undefined,
    failures,
    retryAt: now + backoffMs(failures, settings),
  };
}

/** When the pending batch is due, or undefined when nothing is pending. */
export function dueAt(state: DebounceState, settings: DebounceSettings): number | undefined {
  const batch = state.pending;
  if (!batch) return undefined;
  const due = batch.immediate ? batch.first : Math.min(batch.last + settings.debounceMs, batch.first + settings.maxWaitMs);
  return state.retryAt === undefined ? due : Math.max(due, state.retryAt);
}

export function decide(state: DebounceState, now: number, settings: DebounceSettings): Decision {
  if (state.inFlight) return { kind: 'busy' };
  const due = dueAt(state, settings);
  if (due === undefined) return { kind: 'idle' };
  return now >= due ? { kind: 'run' } : { kind: 'wait', until: due };
}
