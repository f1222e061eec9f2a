import { backoffMs, ManualClock, silentLogger } from '@homelab/core';
import { afterEach, describe, expect, it } from 'vitest';
import { debounceSettings, initialPoll, poll, type RunReason, readiness, type ScheduleSettings } from './schedule.js';
import { StatsScheduler } from './scheduler.js';

const settings: ScheduleSettings = { debounceMs: 10, maxWaitMs: 60, intervalMs: 600, retryMinMs: 5, retryMaxMs: 40 };
const flush = async () => {
  for (let i = 0; i < 6; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

const started: StatsScheduler[] = [];
afterEach(async () => {
  for (const sched of started.splice(0)) await sched.stop();
});

/**
 * The scheduler as the service runs it (core's DebouncedJob fed by the log poll) on a manual clock:
 * the log is polled every millisecond, each run waits for the test to finish it.
 */
async function scheduler(startAt: number, identity: string | undefined) {
  const clock = new ManualClock(startAt);
  const log = { identity };
  const runs: { at: number; reason: RunReason; finish: (ok: boolean) => void }[] = [];
  const sched = new StatsScheduler({
    clock,
    settings,
    pollMs: 1,
    probe: async () => log.identity,
    run: ({ startedAt, reason, signal }) =>
      new Promise<void>((resolve, reject) => {
        runs.push({ at: startedAt, reason, finish: (ok) => (ok ? resolve() : reject(new Error('run failed'))) });
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
    log: silentLogger(),
  });
  started.push(sched);
  sched.start();
  await flush();
  /** Moves time to `t`, one poll per millisecond. */
  const to = async (t: number) => {
    while (clock.now() < t) {
      clock.advance(1);
      await flush();
    }
  };
  /** The log changes so that the poll at `t` sees it. */
  const change = async (t: number, id: string | undefined) => {
    await to(t - 1);
    log.identity = id;
    await to(t);
  };
  const finish = async (ok: boolean) => {
    runs.at(-1)?.finish(ok);
    await flush();
  };
  const seen = () => runs.map(({ at, reason }) => ({ at, reason }));
  return { sched, runs, to, change, finish, seen };
}

/** After a good run that started at `at` and saw the log as `seen`. */
async function settled(at: number, seen = 'log@1') {
  const s = await scheduler(at, seen);
  await s.finish(true);
  return s;
}

describe('schedule policy', () => {
  it('runs at once at start, even before the log exists', async () => {
    const missing = await scheduler(0, undefined);
    expect(missing.seen()).toEqual([{ at: 0, reason: 'start' }]);
    // The log as it is at start is the start run's, not a second batch after it.
    const present = await settled(0, 'log@1');
    await present.to(100);
    expect(present.seen()).toEqual([{ at: 0, reason: 'start' }]);
  });

  it.each([
    // [what, changes at, decide at, expected]
    ['quiet log: next run at the interval', [], 100, { kind: 'wait', until: 700 }],
    ['quiet log: interval reached', [], 700, { kind: 'run', reason: 'interval' }],
    ['one change: waits for the debounce', [200], 205, { kind: 'wait', until: 210 }],
    ['one change: debounce over', [200], 210, { kind: 'run', reason: 'new-lines' }],
    ['steady changes: the debounce moves', [200, 208, 216], 220, { kind: 'wait', until: 226 }],
    ['never quiet: max wait caps the delay', [200, 208, 216, 224, 232, 240, 248, 256], 260, { kind: 'run', reason: 'new-lines' }],
  ] as const)('%s', async (_what, changes, at, expected) => {
    const s = await settled(100);
    for (const [i, t] of changes.entries()) await s.change(t, `log@${i + 2}`);
    await s.to(at - 1);
    expect(s.runs).toHaveLength(1);
    await s.to(at);
    if (expected.kind === 'wait') {
      expect(s.runs).toHaveLength(1);
      expect(s.sched.snapshot().nextRunAt).toBe(expected.until);
    } else {
      expect(s.seen()[1]).toEqual({ at, reason: expected.reason });
    }
  });

  it('the same identity is no change; a vanished log is none either, its return is', () => {
    const s = { ...initialPoll(), seen: 'log@1', lastGoodAt: 100 };
    const full = { ...settings, pollMs: 5 };
    expect(poll(s, 'log@1', 150, false, full).newLines).toBe(false);
    const gone = poll(s, undefined, 150, false, full);
    expect(gone.newLines).toBe(false);
    expect(poll(gone.state, 'log@new', 160, false, full).newLines).toBe(true);
  });

  it('one run at a time: lines during a run form the next batch', async () => {
    const s = await settled(100);
    await s.change(200, 'log@2');
    await s.to(210);
    expect(s.seen()[1]).toEqual({ at: 210, reason: 'new-lines' });
    await s.change(215, 'log@3');
    await s.to(219);
    expect(s.runs).toHaveLength(2);
    expect(s.sched.snapshot().running).toBe(true);
    await s.to(220);
    await s.finish(true);
    expect(s.sched.snapshot()).toMatchObject({ lastGoodAt: 210, nextRunAt: 225 });
    await s.to(224);
    expect(s.runs).toHaveLength(2);
    await s.to(225);
    expect(s.seen()[2]).toEqual({ at: 225, reason: 'new-lines' });
  });

  it('a failed run keeps its batch and backs off, doubling up to the maximum', async () => {
    const s = await settled(100);
    await s.change(200, 'log@2');
    await s.to(212);
    await s.finish(false);
    expect(s.sched.snapshot()).toMatchObject({ failures: 1, lastGoodAt: 100, newLinesPending: true, nextRunAt: 217 });
    await s.to(216);
    expect(s.runs).toHaveLength(2);
    await s.to(217);
    expect(s.seen()[2]).toEqual({ at: 217, reason: 'new-lines' });
    expect([1, 2, 3, 4, 5, 60].map((n) => backoffMs(n, debounceSettings(settings)))).toEqual([5, 10, 20, 40, 40, 40]);
    await s.to(218);
    await s.finish(true);
    expect(s.sched.snapshot()).toMatchObject({ failures: 0, lastGoodAt: 217, nextRunAt: 817 });
  });

  it('a failed first run is retried after the backoff', async () => {
    const s = await scheduler(0, undefined);
    await s.to(3);
    await s.finish(false);
    expect(s.sched.snapshot().nextRunAt).toBe(8);
    await s.to(7);
    expect(s.runs).toHaveLength(1);
    await s.to(8);
    expect(s.seen()[1]).toEqual({ at: 8, reason: 'start' });
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
