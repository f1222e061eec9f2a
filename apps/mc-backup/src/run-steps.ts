/**
 * One backup run as a pure step decision (docs/design.md 3.4): `nextStep(run, outcome)` takes what
 * the run knows and how its last step went, and returns the next step and what the run knows now.
 * No clock, no I/O: sequence.ts executes the steps (bridge, borg, rsync, state file) and feeds back
 * each outcome; run-steps.test.ts is the table of situations.
 *
 * The invariant: saving is off only between a successful `mark-paused` and its `save-on`, and every
 * path out of that window goes through `save-on` (error, timeout, refusal, abort). The paused flag
 * is persisted before save-off, so a process killed inside the window sends save-on at its next start.
 */
import type { ArchiveStats, StageStats } from './ports.js';
import type { RunRecord } from './state.js';

export interface RunPlan {
  /** A staging copy exists: borg reads it after save-on. Without one, borg reads the world while paused. */
  staged: boolean;
  /** The stager copies the bulk while saving is still on. */
  precopy: boolean;
  /** Announce the start and the end in game. */
  announce: boolean;
  /** The state file says a run left saving off (or could not tell): save-on is owed first. */
  savingLeftOff: boolean;
}

export type Step =
  /** save-on owed by an interrupted run; a failure only delays it (the run's own save-on or the daemon sends it). */
  | { kind: 'owed-save-on' }
  | { kind: 'connect' }
  | { kind: 'announce'; text: string }
  | { kind: 'precopy' }
  /** Persist the paused flag: from here on a killed process sends save-on at its next start. */
  | { kind: 'mark-paused' }
  | { kind: 'save-off' }
  | { kind: 'flush' }
  | { kind: 'stage' }
  | { kind: 'create' }
  /** Retried until the resume timeout (3 s at most once aborted: the whole stop fits in 10 s); clears the flag. */
  | { kind: 'save-on'; freshConnection: boolean; quick: boolean }
  /** save-off reached no server: nothing to turn back on, the flag goes. */
  | { kind: 'unmark-paused' }
  | { kind: 'prune' }
  | { kind: 'compact' }
  /** Close the connection and record the run. */
  | { kind: 'done' };

export type StepKind = Step['kind'];

/** Why a step failed, as far as the decision cares. */
export type Failure =
  /** The bridge answered that its server is down: nothing was sent, nothing writes the world. */
  | 'server-down'
  /** The server (or the bridge) refused or failed the command; the connection is fine. */
  | 'refused'
  /** No reply (timeout, connection error): the connection may still owe one, use a fresh one. */
  | 'no-reply'
  | 'error';

interface OutcomeBase {
  /** How long the step took. */
  ms: number;
  /** Clock time when it ended. */
  at: number;
  /** The run's abort reason (SIGTERM), when it was aborted by then. */
  aborted?: string;
}

export type Outcome =
  | (OutcomeBase & { ok: true; staged?: StageStats; stats?: ArchiveStats; pruned?: string[] })
  | (OutcomeBase & { ok: false; failure: Failure; error: string });

/** Which connection announcements and save-on may use. */
type Connection = 'none' | 'open' | 'suspect';

/** Where the copy stands: before the pause window, inside it, or after it (paused or not). */
type Stage = 'before' | 'paused' | 'after';

export interface RunState {
  plan: RunPlan;
  /** The step whose outcome comes next ('start': the run's first decision). */
  current: StepKind | 'start' | 'end-announce';
  stage: Stage;
  connection: Connection;
  /** Saving was paused for the copy (save-off was sent after the flag was persisted). */
  paused: boolean;
  /** Clock time save-off was acknowledged. */
  freezeStart?: number;
  freezeMs?: number;
  unpausedReason?: string;
  failedStep?: string;
  error?: string;
  /** save-on could not be sent (the flag stays persisted). */
  resumeError?: string;
  aborted?: string;
  warnings: string[];
  steps: { step: string; ms: number; ok: boolean }[];
  staged?: StageStats;
  stats?: ArchiveStats;
  pruned?: string[];
  status?: 'success' | 'failure' | 'aborted';
}

export interface Decision {
  run: RunState;
  step: Step;
  /** A warning for the log: the run goes on differently than planned. */
  note?: string;
}

/** The names the run record uses for its steps. */
const RECORDED: Partial<Record<StepKind, string>> = {
  connect: 'connect',
  precopy: 'precopy',
  'save-off': 'save-off',
  flush: 'save-all flush',
  stage: 'stage',
  create: 'create',
  'save-on': 'save-on',
  prune: 'prune',
  compact: 'compact',
};

export const ANNOUNCEMENTS = {
  start: '[backup] starting a backup of the world',
  success: '[backup] backup finished',
  failure: '[backup] backup failed',
  aborted: '[backup] backup aborted',
} as const;

export function startRun(plan: RunPlan): RunState {
  return { plan, current: 'start', stage: 'before', connection: 'none', paused: false, warnings: [], steps: [] };
}

/** The next step after `run.current` ended with `outcome` (for 'start': `ok`, at the run's start). */
export function nextStep(run: RunState, outcome: Outcome): Decision {
  const s: RunState = { ...run, aborted: outcome.aborted ?? run.aborted, warnings: [...run.warnings], steps: [...run.steps] };
  const recorded = s.current !== 'start' && s.current !== 'end-announce' ? RECORDED[s.current] : undefined;
  if (recorded) s.steps.push({ step: recorded, ms: outcome.ms, ok: outcome.ok });
  const go = (step: Step, note?: string): Decision => ({ run: { ...s, current: step.kind }, step, note });
  const fail = (step: string) => {
    if (outcome.ok || s.error !== undefined) return;
    s.failedStep = step;
    s.error = outcome.error;
    if (outcome.failure === 'no-reply' && s.connection === 'open') s.connection = 'suspect';
  };
  /** Out of the paused window: save-on while it may be off, otherwise straight to the end. */
  const leave = (): Decision => (s.stage === 'paused' ? saveOn() : end());
  const saveOn = (): Decision => go({ kind: 'save-on', freshConnection: s.connection !== 'open', quick: s.aborted !== undefined });
  const end = (): Decision => {
    if (s.resumeError !== undefined && s.error === undefined) {
      s.error = `saving could not be turned back on: ${s.resumeError}`;
      s.failedStep = 'save-on';
    }
    s.status = s.error === undefined ? 'success' : s.aborted !== undefined ? 'aborted' : 'failure';
    if (s.plan.announce && s.connection === 'open') {
      return { run: { ...s, current: 'end-announce' }, step: { kind: 'announce', text: ANNOUNCEMENTS[s.status] } };
    }
    return go({ kind: 'done' });
  };
  /** The copy nobody writes into any more: stage then create (staged), or create alone. */
  const copyUnpaused = (): Decision => {
    s.stage = 'after';
    return go({ kind: s.plan.staged ? 'stage' : 'create' });
  };
  const pauseOrNot = (): Decision => {
    if (s.connection === 'none') return copyUnpaused();
    return go({ kind: 'mark-paused' });
  };
  const afterAnnounceStart = (): Decision => (s.connection !== 'none' && s.plan.precopy ? go({ kind: 'precopy' }) : pauseOrNot());

  switch (s.current) {
    case 'start':
      if (s.plan.savingLeftOff) return go({ kind: 'owed-save-on' });
      return begin();
    case 'owed-save-on':
      // Not sent: the run's own save-off/save-on clears the flag, or nothing writes (endpoint down).
      return begin(outcome.ok ? undefined : `save-on owed by an interrupted run could not be sent: ${outcome.error}`);
    case 'connect':
      if (outcome.ok) {
        s.connection = 'open';
        return s.plan.announce ? go({ kind: 'announce', text: ANNOUNCEMENTS.start }) : afterAnnounceStart();
      }
      if (s.aborted !== undefined) {
        fail('connect');
        return end();
      }
      s.unpausedReason = `RCON endpoint unreachable (${outcome.error}): the server is not writing, backing up without pausing`;
      return { ...copyUnpaused(), note: 'RCON endpoint unreachable: backing up without pausing' };
    case 'announce':
      if (!outcome.ok) {
        s.warnings.push(`announcement failed: ${outcome.error}`);
        if (outcome.failure === 'no-reply' && s.connection === 'open') s.connection = 'suspect';
      }
      return afterAnnounceStart();
    case 'end-announce':
      if (!outcome.ok) s.warnings.push(`announcement failed: ${outcome.error}`);
      return go({ kind: 'done' });
    case 'precopy':
      if (!outcome.ok && s.aborted !== undefined) {
        fail('precopy');
        return end();
      }
      if (!outcome.ok) s.warnings.push(`pre-copy failed (the paused copy does it all): ${outcome.error}`);
      return pauseOrNot();
    case 'mark-paused':
      if (!outcome.ok) {
        // Nothing was sent: saving is still on.
        fail('run');
        return end();
      }
      s.paused = true;
      s.stage = 'paused';
      return go({ kind: 'save-off' });
    case 'save-off':
      if (outcome.ok) {
        s.freezeStart = outcome.at;
        return go({ kind: 'flush' });
      }
      if (outcome.failure === 'server-down') {
        s.unpausedReason = `${outcome.error}: the server is not writing, backing up without pausing`;
        s.paused = false;
        return go({ kind: 'unmark-paused' }, 'the server behind the bridge is down: backing up without pausing');
      }
      fail('save-off');
      return saveOn();
    case 'flush':
      if (!outcome.ok) {
        fail('save-all flush');
        return saveOn();
      }
      return go({ kind: s.plan.staged ? 'stage' : 'create' });
    case 'unmark-paused':
      if (!outcome.ok) {
        fail('run');
        return end();
      }
      return copyUnpaused();
    case 'stage':
    case 'create': {
      const copy = s.current;
      if (!outcome.ok) {
        fail(copy);
        return leave();
      }
      if (copy === 'stage') s.staged = outcome.staged;
      else s.stats = outcome.stats;
      // Inside the pause window the copy is followed by save-on; after it, stage -> create -> prune.
      return s.stage === 'paused' ? saveOn() : go({ kind: copy === 'stage' ? 'create' : 'prune' });
    }
    case 'save-on':
      s.stage = 'after';
      s.freezeMs = outcome.at - (s.freezeStart ?? outcome.at);
      if (outcome.ok) {
        s.connection = 'open';
      } else {
        // The flag stays persisted: the daemon retries, the next start sends it.
        s.resumeError = outcome.error;
        s.connection = 'none';
      }
      if (s.error !== undefined) return end();
      // Staged: borg reads the staging copy now that saving is back on; unstaged, create is done.
      return go({ kind: s.plan.staged ? 'create' : 'prune' });
    case 'prune':
      if (!outcome.ok) {
        fail('prune');
        return end();
      }
      s.pruned = outcome.pruned ?? [];
      // Only deleted archives leave space to free (an interrupted create is rolled back by borg).
      return s.pruned.length > 0 ? go({ kind: 'compact' }) : end();
    case 'compact':
      if (!outcome.ok) {
        if (s.aborted !== undefined) fail('compact');
        else s.warnings.push(`compact failed: ${outcome.error}`);
      }
      return end();
    case 'done':
      return go({ kind: 'done' });
  }

  function begin(note?: string): Decision {
    if (s.aborted !== undefined) {
      s.failedStep = 'run';
      s.error = s.aborted;
      return end();
    }
    return go({ kind: 'connect' }, note);
  }
}

/** How long to wait before the next save-on attempt, or undefined when the resume timeout is spent. */
export function saveOnRetryDelay(attempt: number, elapsedMs: number, timeoutMs: number): number | undefined {
  if (elapsedMs >= timeoutMs) return undefined;
  return Math.min(250 * 2 ** Math.min(attempt, 10), 2_000);
}

/** The run record of a finished run (persisted, logged, sent to the webhook). */
export function runRecord(
  run: RunState,
  meta: Pick<RunRecord, 'id' | 'trigger' | 'startedAt' | 'finishedAt'> & { archive: string },
): RunRecord {
  const failed = run.error !== undefined;
  const stats = run.stats;
  return {
    ...meta,
    status: run.status ?? (failed ? 'failure' : 'success'),
    durationMs: meta.finishedAt - meta.startedAt,
    archive: stats ? meta.archive : undefined,
    paused: run.paused,
    unpausedReason: run.unpausedReason,
    freezeMs: run.freezeMs,
    failedStep: failed ? (run.failedStep ?? 'run') : undefined,
    error: run.error,
    warnings: stats?.warning ? [...run.warnings, `borg create warning: ${stats.warning}`] : [...run.warnings],
    stats: stats && {
      originalBytes: stats.originalBytes,
      compressedBytes: stats.compressedBytes,
      deduplicatedBytes: stats.deduplicatedBytes,
      files: stats.files,
    },
    staged: run.staged,
    pruned: run.pruned,
    steps: run.steps,
  };
}
