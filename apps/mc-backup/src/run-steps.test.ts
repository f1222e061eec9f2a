import { describe, expect, it } from 'vitest';
import {
  ANNOUNCEMENTS,
  type Failure,
  nextStep,
  type Outcome,
  type RunPlan,
  type RunState,
  runRecord,
  type Step,
  saveOnRetryDelay,
  startRun,
} from './run-steps.js';
import type { RunRecord } from './state.js';

/** What the steps do in one situation; every step not named succeeds. */
interface Given {
  plan?: Partial<RunPlan>;
  /** Failing steps ('announce start' and 'announce end' for the two announcements). */
  fail?: Partial<Record<string, Failure>>;
  /** The run is aborted (SIGTERM) before it starts, or during this step (which then fails). */
  abort?: 'before' | string;
  /** What prune deleted (default: one archive, so compact runs). */
  pruned?: string[];
  /** borg create exited with its warning code. */
  borgWarning?: string;
}

const PLAN: RunPlan = { staged: true, precopy: true, announce: true, savingLeftOff: false };
const ENDINGS = Object.fromEntries(Object.entries(ANNOUNCEMENTS).map(([k, v]) => [v, k]));

const label = (step: Step): string => {
  if (step.kind === 'announce') return `announce ${ENDINGS[step.text]}`;
  if (step.kind === 'save-on') {
    const flags = [step.freshConnection && 'fresh', step.quick && 'quick'].filter(Boolean);
    return flags.length > 0 ? `save-on(${flags.join(',')})` : 'save-on';
  }
  return step.kind;
};
const failKey = (step: Step) =>
  step.kind === 'announce' ? (step.text === ANNOUNCEMENTS.start ? 'announce start' : 'announce end') : step.kind;

/** Runs the decision to its end, answering each step as `given` says (no clock, no I/O). */
function drive(given: Given): { run: RunState; steps: string[]; notes: string[]; record: RunRecord } {
  let aborted = given.abort === 'before' ? 'SIGTERM' : undefined;
  let run = startRun({ ...PLAN, ...given.plan });
  let outcome: Outcome = { ok: true, ms: 0, at: 0, aborted };
  const steps: string[] = [];
  const notes: string[] = [];
  for (let t = 10; t < 1000; t += 10) {
    const decision = nextStep(run, outcome);
    run = decision.run;
    if (decision.note) notes.push(decision.note);
    const { step } = decision;
    if (step.kind === 'done') {
      return { run, steps, notes, record: runRecord(run, { id: 'r', trigger: 'now', archive: 'world-1', startedAt: 0, finishedAt: t }) };
    }
    steps.push(label(step));
    const key = failKey(step);
    if (given.abort === key) aborted = 'SIGTERM';
    const failure = given.abort === key ? 'error' : given.fail?.[key];
    outcome = failure
      ? { ok: false, failure, error: given.abort === key ? `${key} aborted` : `${key}: ${failure}`, ms: 10, at: t, aborted }
      : {
          ok: true,
          ms: 10,
          at: t,
          aborted,
          staged: step.kind === 'stage' ? { filesTransferred: 3, bytesTransferred: 300 } : undefined,
          stats:
            step.kind === 'create'
              ? { name: 'world-1', originalBytes: 9, compressedBytes: 5, deduplicatedBytes: 1, files: 3, warning: given.borgWarning }
              : undefined,
          pruned: step.kind === 'prune' ? (given.pruned ?? ['world-0']) : undefined,
        };
  }
  throw new Error('the run did not end');
}

const FULL = 'connect, announce start, precopy, mark-paused, save-off, flush, stage, save-on, create, prune, compact, announce success';
const ok = { status: 'success', failedStep: undefined, error: undefined } as const;

// One row per situation: what happens, the steps in order, and how the run is recorded.
const situations: [string, Given, string, Partial<RunRecord>][] = [
  ['everything works: paused only for the staging copy', {}, FULL, { ...ok, paused: true, warnings: [], archive: 'world-1' }],
  [
    'prune deleted nothing: no compact',
    { pruned: [] },
    'connect, announce start, precopy, mark-paused, save-off, flush, stage, save-on, create, prune, announce success',
    { ...ok, pruned: [] },
  ],
  [
    'announcements off, no pre-copy',
    { plan: { announce: false, precopy: false } },
    'connect, mark-paused, save-off, flush, stage, save-on, create, prune, compact',
    { ...ok, paused: true },
  ],
  [
    'no staging folder: borg reads the world while saving is off',
    { plan: { staged: false, precopy: false, announce: false } },
    'connect, mark-paused, save-off, flush, create, save-on, prune, compact',
    { ...ok, paused: true, archive: 'world-1' },
  ],
  [
    'the state file says a run left saving off: save-on first',
    { plan: { savingLeftOff: true, announce: false, precopy: false } },
    'owed-save-on, connect, mark-paused, save-off, flush, stage, save-on, create, prune, compact',
    { ...ok, paused: true },
  ],
  [
    'the owed save-on cannot be sent (bridge unreachable): the run goes on unpaused',
    { plan: { savingLeftOff: true }, fail: { 'owed-save-on': 'error', connect: 'error' } },
    'owed-save-on, connect, stage, create, prune, compact',
    { ...ok, paused: false, unpausedReason: expect.stringMatching(/unreachable.*without pausing/) },
  ],
  [
    'the bridge is unreachable: nothing writes, the copy is taken without pausing',
    { fail: { connect: 'error' } },
    'connect, stage, create, prune, compact',
    { ...ok, paused: false, freezeMs: undefined, unpausedReason: expect.stringMatching(/^RCON endpoint unreachable \(connect: error\)/) },
  ],
  [
    'the bridge is unreachable, no staging folder: borg reads the live world',
    { plan: { staged: false }, fail: { connect: 'error' } },
    'connect, create, prune, compact',
    { ...ok, paused: false },
  ],
  [
    'the server behind the bridge is down: the flag goes, no save-on, unpaused copy',
    { plan: { announce: false }, fail: { 'save-off': 'server-down' } },
    'connect, precopy, mark-paused, save-off, unmark-paused, stage, create, prune, compact',
    {
      ...ok,
      paused: false,
      freezeMs: undefined,
      unpausedReason: 'save-off: server-down: the server is not writing, backing up without pausing',
    },
  ],
  [
    'the server is down and the flag cannot be cleared: the run fails',
    { plan: { announce: false }, fail: { 'save-off': 'server-down', 'unmark-paused': 'error' } },
    'connect, precopy, mark-paused, save-off, unmark-paused',
    { status: 'failure', failedStep: 'run', paused: false },
  ],
  [
    'the pre-copy fails: only a warning, the paused copy does it all',
    { fail: { precopy: 'error' } },
    FULL,
    { ...ok, warnings: ['pre-copy failed (the paused copy does it all): precopy: error'] },
  ],
  [
    'the pre-copy is aborted (SIGTERM): saving was never off, nothing more',
    { abort: 'precopy' },
    'connect, announce start, precopy, announce aborted',
    { status: 'aborted', failedStep: 'precopy', paused: false },
  ],
  [
    'the paused flag cannot be persisted (state filesystem full): no save-off',
    { fail: { 'mark-paused': 'error' } },
    'connect, announce start, precopy, mark-paused, announce failure',
    { status: 'failure', failedStep: 'run', error: 'mark-paused: error', paused: false },
  ],
  [
    'save-off refused: save-on on the same connection, nothing archived',
    { fail: { 'save-off': 'refused' } },
    'connect, announce start, precopy, mark-paused, save-off, save-on, announce failure',
    { status: 'failure', failedStep: 'save-off', paused: true, freezeMs: 0, archive: undefined },
  ],
  [
    'save-off gets no reply: save-on on a fresh connection',
    { fail: { 'save-off': 'no-reply' } },
    'connect, announce start, precopy, mark-paused, save-off, save-on(fresh), announce failure',
    { status: 'failure', failedStep: 'save-off' },
  ],
  [
    'the flush times out: save-on on a fresh connection, nothing staged or archived',
    { fail: { flush: 'no-reply' } },
    'connect, announce start, precopy, mark-paused, save-off, flush, save-on(fresh), announce failure',
    { status: 'failure', failedStep: 'save-all flush', error: 'flush: no-reply', paused: true, freezeMs: 20 },
  ],
  [
    'the server says the flush failed: save-on, nothing staged',
    { fail: { flush: 'refused' } },
    'connect, announce start, precopy, mark-paused, save-off, flush, save-on, announce failure',
    { status: 'failure', failedStep: 'save-all flush' },
  ],
  [
    'the paused copy fails: save-on, no archive',
    { fail: { stage: 'error' } },
    'connect, announce start, precopy, mark-paused, save-off, flush, stage, save-on, announce failure',
    { status: 'failure', failedStep: 'stage', archive: undefined },
  ],
  [
    'borg create fails after save-on: no prune',
    { fail: { create: 'error' } },
    'connect, announce start, precopy, mark-paused, save-off, flush, stage, save-on, create, announce failure',
    { status: 'failure', failedStep: 'create', archive: undefined, paused: true },
  ],
  [
    'borg create fails while paused (no staging): save-on follows at once',
    { plan: { staged: false, precopy: false, announce: false }, fail: { create: 'error' } },
    'connect, mark-paused, save-off, flush, create, save-on',
    { status: 'failure', failedStep: 'create' },
  ],
  [
    'borg create warns (exit 1): a success with the warning',
    { borgWarning: 'file changed while we backed it up' },
    FULL,
    { ...ok, warnings: ['borg create warning: file changed while we backed it up'] },
  ],
  [
    'save-on cannot be sent: the archive is still made, the run fails, the flag stays',
    { fail: { 'save-on': 'error' } },
    'connect, announce start, precopy, mark-paused, save-off, flush, stage, save-on, create, prune, compact',
    {
      status: 'failure',
      failedStep: 'save-on',
      error: 'saving could not be turned back on: save-on: error',
      paused: true,
      archive: 'world-1',
    },
  ],
  [
    'save-on cannot be sent after the flush failed: the flush is the recorded failure',
    { fail: { flush: 'refused', 'save-on': 'error' } },
    'connect, announce start, precopy, mark-paused, save-off, flush, save-on',
    { status: 'failure', failedStep: 'save-all flush', error: 'flush: refused' },
  ],
  [
    'SIGTERM during the paused copy: a quick save-on, recorded aborted',
    { abort: 'stage' },
    'connect, announce start, precopy, mark-paused, save-off, flush, stage, save-on(quick), announce aborted',
    { status: 'aborted', failedStep: 'stage', archive: undefined },
  ],
  [
    'SIGTERM during borg create (saving already on): recorded aborted, no prune',
    { abort: 'create' },
    'connect, announce start, precopy, mark-paused, save-off, flush, stage, save-on, create, announce aborted',
    { status: 'aborted', failedStep: 'create' },
  ],
  [
    'SIGTERM before the run started: nothing is done',
    { abort: 'before' },
    '',
    { status: 'aborted', failedStep: 'run', error: 'SIGTERM', paused: false, steps: [] },
  ],
  [
    'SIGTERM before the run started, save-on owed: it is still sent',
    { abort: 'before', plan: { savingLeftOff: true } },
    'owed-save-on',
    { status: 'aborted', failedStep: 'run' },
  ],
  [
    'SIGTERM while connecting: not mistaken for an unreachable bridge',
    { abort: 'connect' },
    'connect',
    { status: 'aborted', failedStep: 'connect', unpausedReason: undefined },
  ],
  [
    'SIGTERM during the unpaused copy (bridge unreachable): no archive',
    { fail: { connect: 'error' }, abort: 'stage' },
    'connect, stage',
    { status: 'aborted', failedStep: 'stage', paused: false },
  ],
  [
    'prune fails: the run fails, no compact',
    { fail: { prune: 'error' } },
    'connect, announce start, precopy, mark-paused, save-off, flush, stage, save-on, create, prune, announce failure',
    { status: 'failure', failedStep: 'prune', archive: 'world-1' },
  ],
  ['compact fails: only a warning', { fail: { compact: 'error' } }, FULL, { ...ok, warnings: ['compact failed: compact: error'] }],
  [
    'compact aborted (SIGTERM): recorded aborted',
    { abort: 'compact' },
    'connect, announce start, precopy, mark-paused, save-off, flush, stage, save-on, create, prune, compact, announce aborted',
    { status: 'aborted', failedStep: 'compact' },
  ],
  [
    'the start announcement is refused: a warning, the run goes on',
    { fail: { 'announce start': 'refused' } },
    FULL,
    { ...ok, warnings: ['announcement failed: announce start: refused'] },
  ],
  [
    'the start announcement gets no reply: save-on and the end announcement use a fresh connection',
    { fail: { 'announce start': 'no-reply' } },
    'connect, announce start, precopy, mark-paused, save-off, flush, stage, save-on(fresh), create, prune, compact, announce success',
    { ...ok, warnings: ['announcement failed: announce start: no-reply'] },
  ],
  [
    'the end announcement fails: a warning',
    { fail: { 'announce end': 'refused' } },
    FULL,
    { ...ok, warnings: ['announcement failed: announce end: refused'] },
  ],
];

describe('nextStep: the backup run as a pure step decision', () => {
  it.each(situations)('%s', (_name, given, expectedSteps, expected) => {
    const { steps, record } = drive(given);
    expect(steps.join(', ')).toBe(expectedSteps);
    expect(record).toMatchObject(expected);

    // Saving is off only as long as it must: every save-off that may have been applied is followed
    // by save-on, and save-off is only ever sent after the paused flag was persisted.
    const off = steps.indexOf('save-off');
    if (off >= 0) {
      expect(steps[off - 1]).toBe('mark-paused');
      const serverDown = given.fail?.['save-off'] === 'server-down';
      expect(steps.slice(off + 1).some((s) => (serverDown ? s === 'unmark-paused' : s.startsWith('save-on')))).toBe(true);
      // No copy between save-off and the flush's reply: only that says every chunk is on disk.
      if (!serverDown) {
        const flush = steps.indexOf('flush');
        expect(steps.slice(off, flush < 0 ? undefined : flush).some((s) => s === 'stage' || s === 'create')).toBe(false);
      }
    }
  });

  it('notes the unpaused runs for the log', () => {
    expect(drive({ fail: { connect: 'error' } }).notes).toEqual(['RCON endpoint unreachable: backing up without pausing']);
    expect(drive({ fail: { 'save-off': 'server-down' } }).notes).toEqual([
      'the server behind the bridge is down: backing up without pausing',
    ]);
    expect(drive({ plan: { savingLeftOff: true }, fail: { 'owed-save-on': 'error' } }).notes).toEqual([
      'save-on owed by an interrupted run could not be sent: owed-save-on: error',
    ]);
  });

  it('records each step the run record names, with its time and result', () => {
    expect(drive({ fail: { precopy: 'error' } }).record.steps).toEqual([
      { step: 'connect', ms: 10, ok: true },
      { step: 'precopy', ms: 10, ok: false },
      { step: 'save-off', ms: 10, ok: true },
      { step: 'save-all flush', ms: 10, ok: true },
      { step: 'stage', ms: 10, ok: true },
      { step: 'save-on', ms: 10, ok: true },
      { step: 'create', ms: 10, ok: true },
      { step: 'prune', ms: 10, ok: true },
      { step: 'compact', ms: 10, ok: true },
    ]);
  });
});

describe('saveOnRetryDelay', () => {
  it.each([
    ['first retry after 250 ms', 0, 0, 10_000, 250],
    ['doubling', 2, 1_000, 10_000, 1_000],
    ['at most 2 s', 6, 5_000, 10_000, 2_000],
    ['a huge attempt count stays at 2 s', 1_000, 5_000, 10_000, 2_000],
    ['gives up once the resume timeout is spent', 3, 10_000, 10_000, undefined],
  ])('%s', (_name, attempt, elapsed, timeout, expected) => {
    expect(saveOnRetryDelay(attempt, elapsed, timeout)).toBe(expected);
  });
});
