/**
 * The render schedule as a pure policy: every function takes the state and `now` and returns a new
 * state or a decision, so the rules are tested with plain numbers (see schedule.test.ts).
 *
 * - Trailing debounce: render once the world has been quiet for `debounceMs`.
 * - Maximum wait: a world that never goes quiet still renders `maxWaitMs` after its first change.
 * - Single flight: while a render runs nothing else starts; changes that arrive meanwhile form the
 *   next batch, which becomes exactly one follow-up render (debounced like any other batch).
 * - A failed render puts its batch back and the next attempt waits for a doubling backoff.
 */
export interface ScheduleSettings {
  debounceMs: number;
  maxWaitMs: number;
  retryMinMs: number;
  retryMaxMs: number;
}

/** Changes not yet covered by a render. */
export interface Batch {
  /** Time of the first and the last change in the batch. */
  first: number;
  last: number;
  count: number;
  /** Render without waiting for quiet (the first render at start when the map is stale). */
  immediate: boolean;
}

export interface ScheduleState {
  pending: Batch | undefined;
  inFlight: { startedAt: number; batch: Batch | undefined } | undefined;
  /** Consecutive failed renders. */
  failures: number;
  /** No render before this time (backoff after a failure). */
  retryAt: number | undefined;
}

export type Decision =
  | { kind: 'render' }
  | { kind: 'wait'; until: number }
  /** Nothing to do until a change arrives. */
  | { kind: 'idle' }
  /** A render is running; the next decision comes when it ends. */
  | { kind: 'busy' };

export function initialSchedule(opts: { now: number; renderAtStart: boolean }): ScheduleState {
  const pending = opts.renderAtStart ? { first: opts.now, last: opts.now, count: 0, immediate: true } : undefined;
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

export function recordChanges(state: ScheduleState, now: number, count = 1): ScheduleState {
  return { ...state, pending: merge(state.pending, { first: now, last: now, count, immediate: false }) };
}

/** Asks for a render without waiting for quiet (the map is missing or stale at start). */
export function requestImmediate(state: ScheduleState, now: number): ScheduleState {
  return { ...state, pending: merge(state.pending, { first: now, last: now, count: 0, immediate: true }) };
}

/** The pending batch moves into the render; changes from now on form the next batch. */
export function startRender(state: ScheduleState, now: number): ScheduleState {
  return { ...state, pending: undefined, inFlight: { startedAt: now, batch: state.pending } };
}

export function backoffMs(failures: number, settings: ScheduleSettings): number {
  if (failures <= 0) return 0;
  return Math.min(settings.retryMaxMs, settings.retryMinMs * 2 ** Math.min(failures - 1, 30));
}

export function finishRender(state: ScheduleState, now: number, ok: boolean, settings: ScheduleSettings): ScheduleState {
  if (ok) return { ...state, inFlight: undefined, failures: 0, retryAt: undefined };
  const failures = state.failures + 1;
  // The failed batch is still unrendered: keep it (a failed start render stays immediate).
  const failed = state.inFlight?.batch ?? { first: now, last: now, count: 0, immediate: true };
  return {
    pending: merge(failed, state.pending),
    inFlight: undefined,
    failures,
    retryAt: now + backoffMs(failures, settings),
  };
}

/** When the pending batch is due, or undefined when nothing is pending. */
export function dueAt(state: ScheduleState, settings: ScheduleSettings): number | undefined {
  const batch = state.pending;
  if (!batch) return undefined;
  const due = batch.immediate ? batch.first : Math.min(batch.last + settings.debounceMs, batch.first + settings.maxWaitMs);
  return state.retryAt === undefined ? due : Math.max(due, state.retryAt);
}

export function decide(state: ScheduleState, now: number, settings: ScheduleSettings): Decision {
  if (state.inFlight) return { kind: 'busy' };
  const due = dueAt(state, settings);
  if (due === undefined) return { kind: 'idle' };
  return now >= due ? { kind: 'render' } : { kind: 'wait', until: due };
}

/** Pure: is the published map missing or older than the newest input of the world? */
export function needsInitialRender(opts: { publishedSourceTime: number | undefined; newestInputTime: number | undefined }): boolean {
  if (opts.publishedSourceTime === undefined) return true;
  if (opts.newestInputTime === undefined) return false;
  return opts.newestInputTime > opts.publishedSourceTime;
}
