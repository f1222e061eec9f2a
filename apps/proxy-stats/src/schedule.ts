import type { DebounceSettings } from '@homelab/core';

/**
 * When GoAccess runs. The batching is core's debounce policy (packages/core debounce.ts, run by a
 * DebouncedJob): new lines start a batch that runs once the log has been quiet for `debounceMs`, or
 * `maxWaitMs` after its first change when it never goes quiet; one run at a time (lines arriving
 * during a run form the next batch); a failed run keeps its batch and waits for a doubling backoff.
 * What is proxy-stats' own, pure here and tested with plain numbers (schedule.test.ts):
 *
 * - New lines are a change of the log's identity (inode, size, mtime) between two polls; a log that
 *   disappeared has none, its reappearance does.
 * - The first run happens at once (at start), and a quiet log still gets a run `intervalMs` after the
 *   last good one, so the report and the readiness check never go stale.
 */
export interface ScheduleSettings {
  debounceMs: number;
  maxWaitMs: number;
  intervalMs: number;
  retryMinMs: number;
  retryMaxMs: number;
}

export type RunReason = 'start' | 'new-lines' | 'interval';

/** The settings of the DebouncedJob that runs GoAccess. */
export function debounceSettings(s: ScheduleSettings): DebounceSettings {
  return { debounceMs: s.debounceMs, maxWaitMs: s.maxWaitMs, retryMinMs: s.retryMinMs, retryMaxMs: s.retryMaxMs };
}

/** What the poller remembers between two polls. */
export interface PollState {
  /** The log's identity as last observed (undefined: not observed yet, or missing). */
  seen: string | undefined;
  /** When the last good run started: the report covers the log at least up to then. */
  lastGoodAt: number | undefined;
  /** An interval run was asked of the job and has not succeeded yet. */
  intervalAsked: boolean;
}

export function initialPoll(): PollState {
  return { seen: undefined, lastGoodAt: undefined, intervalAsked: false };
}

/** When a quiet log is due for a run (undefined before the first good run: the start run covers it). */
export function intervalDue(state: PollState, settings: ScheduleSettings): number | undefined {
  return state.lastGoodAt === undefined ? undefined : state.lastGoodAt + settings.intervalMs;
}

export interface PollDecision {
  state: PollState;
  /** New lines: a change for the job. */
  newLines: boolean;
  /** Ask the job for a run without waiting for quiet (the interval passed). */
  askInterval: boolean;
  /** How long to sleep before the next poll. */
  sleepMs: number;
}

/** One poll: what the log looks like now, whether a run is in flight. */
export function poll(
  state: PollState,
  identity: string | undefined,
  now: number,
  running: boolean,
  settings: ScheduleSettings & { pollMs: number },
): PollDecision {
  const newLines = identity !== state.seen && identity !== undefined;
  const due = intervalDue(state, settings);
  const askInterval = due !== undefined && now >= due && !running && !state.intervalAsked;
  const sleepMs = due === undefined || due <= now ? settings.pollMs : Math.min(settings.pollMs, due - now);
  return {
    state: { ...state, seen: identity, intervalAsked: state.intervalAsked || askInterval },
    newLines,
    askInterval,
    sleepMs: Math.max(1, sleepMs),
  };
}

/** Why the job runs now: the first good run is the start run; then the interval when it asked. */
export function runReason(state: PollState): RunReason {
  if (state.lastGoodAt === undefined) return 'start';
  return state.intervalAsked ? 'interval' : 'new-lines';
}

/** A good run that started at `startedAt`. */
export function runSucceeded(state: PollState, startedAt: number): PollState {
  return { ...state, lastGoodAt: startedAt, intervalAsked: false };
}

/** The next run as /healthz shows it: the job's pending batch, or the interval of a quiet log. */
export function nextRunAt(
  job: { nextRunAt: number | undefined; failures: number },
  state: PollState,
  settings: ScheduleSettings,
): number | undefined {
  const due = intervalDue(state, settings);
  if (job.nextRunAt === undefined) return due;
  // After a failure the backoff holds every run, the interval's too.
  return due === undefined || job.failures > 0 ? job.nextRunAt : Math.min(job.nextRunAt, due);
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
