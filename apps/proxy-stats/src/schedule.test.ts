import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  decide,
  finishRun,
  initialSchedule,
  observeLog,
  readiness,
  type ScheduleSettings,
  type ScheduleState,
  startRun,
} from './schedule.js';

const settings: ScheduleSettings = { debounceMs: 10, maxWaitMs: 60, intervalMs: 600, retryMinMs: 5, retryMaxMs: 40 };

/** A state after a good run that started at `at` and saw the log as `seen`. */
function settled(at: number, seen = 'log@1'): ScheduleState {
  const s = startRun(observeLog(initialSchedule(), seen, at), at);
  return finishRun(s, at + 1, true, settings);
}

describe('schedule policy', () => {
  it('runs at once at start, even before the log exists', () => {
    expect(decide(initialSchedule(), 0, settings)).toEqual({ kind: 'run', reason: 'start' });
    expect(decide(observeLog(initialSchedule(), undefined, 0), 0, settings)).toEqual({ kind: 'run', reason: 'start' });
  });

  it.each([
    // [what, changes at, decide at, expected]
    ['quiet log: next run at the interval', [], 100, { kind: 'wait', until: 700 }],
    ['quiet log: interval reached', [], 700, { kind: 'run', reason: 'interval' }],
    ['one change: waits for the debounce', [200], 205, { kind: 'wait', until: 210 }],
    ['one change: debounce over', [200], 210, { kind: 'run', reason: 'new-lines' }],
    ['steady changes: the debounce moves', [200, 208, 216], 220, { kind: 'wait', until: 226 }],
    ['never quiet: max wait caps the delay', [200, 208, 216, 224, 232, 240, 248, 256], 260, { kind: 'run', reason: 'new-lines' }],
  ] as const)('%s', (_what, changes, at, expected) => {
    let s = settled(100);
    changes.forEach((t, i) => {
      s = observeLog(s, `log@${i + 2}`, t);
    });
    expect(decide(s, at, settings)).toEqual(expected);
  });

  it('the same identity is no change; a vanished log is none either, its return is', () => {
    const s = settled(100, 'log@1');
    expect(observeLog(s, 'log@1', 150).pending).toBeUndefined();
    const gone = observeLog(s, undefined, 150);
    expect(gone.pending).toBeUndefined();
    expect(observeLog(gone, 'log@new', 160).pending).toEqual({ first: 160, last: 160 });
  });

  it('one run at a time: lines during a run form the next batch', () => {
    let s = observeLog(settled(100), 'log@2', 200);
    s = startRun(s, 210);
    expect(decide(s, 210, settings)).toEqual({ kind: 'busy' });
    s = observeLog(s, 'log@3', 215);
    expect(decide(s, 400, settings)).toEqual({ kind: 'busy' });
    s = finishRun(s, 220, true, settings);
    expect(s.lastGoodAt).toBe(210);
    expect(decide(s, 220, settings)).toEqual({ kind: 'wait', until: 225 });
  });

  it('a failed run keeps its batch and backs off, doubling up to the maximum', () => {
    let s = startRun(observeLog(settled(100), 'log@2', 200), 210);
    s = finishRun(s, 212, false, settings);
    expect(s.pending).toEqual({ first: 200, last: 200 });
    expect(s.lastGoodAt).toBe(100);
    expect(decide(s, 213, settings)).toEqual({ kind: 'wait', until: 217 });
    expect(decide(s, 217, settings)).toEqual({ kind: 'run', reason: 'new-lines' });
    expect([1, 2, 3, 4, 5, 60].map((n) => backoffMs(n, settings))).toEqual([5, 10, 20, 40, 40, 40]);
    s = finishRun(startRun(s, 217), 218, true, settings);
    expect(s.failures).toBe(0);
    expect(s.retryAt).toBeUndefined();
  });

  it('a failed first run is retried after the backoff', () => {
    const s = finishRun(startRun(initialSchedule(), 0), 3, false, settings);
    expect(decide(s, 4, settings)).toEqual({ kind: 'wait', until: 8 });
    expect(decide(s, 8, settings)).toEqual({ kind: 'run', reason: 'start' });
  });
});

describe('readiness', () => {
  it.each([
    [{ published: false, lastGoodAt: 100 }, false, 'no report published yet'],
    [{ published: true, lastGoodAt: undefined }, false, 'no good run since start'],
    [{ published: true, lastGoodAt: 0 }, false, 'last good run 31 s ago'],
    [{ published: true, lastGoodAt: 1_000 }, true, 'last good run 30 s ago'],
  ])('%o -> %s', (input, ok, detail) => {
    expect(readiness({ ...input, now: 31_000, staleAfterMs: 30_000 })).toEqual({ ok, detail });
  });
});
