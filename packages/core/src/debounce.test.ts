import { describe, expect, it } from 'vitest';
import { backoffMs, type DebounceSettings, decide, finishRun, initialDebounce, quietPeriod, recordChanges, startRun } from './debounce.js';

const settings: DebounceSettings = { debounceMs: 10, maxWaitMs: 100, retryMinMs: 30, retryMaxMs: 1000 };

interface Scenario {
  changes: number[];
  renderMs: number;
  runAtStart?: boolean;
  /** Result of each render in order; missing entries succeed. */
  results?: boolean[];
}

/** Discrete-event simulation of the policy: returns when each render started. */
function simulate(scenario: Scenario, s: DebounceSettings = settings): number[] {
  const changes = [...scenario.changes].sort((a, b) => a - b);
  let state = initialDebounce({ now: 0, runAtStart: scenario.runAtStart ?? false });
  let t = 0;
  let next = 0;
  let running: { end: number; ok: boolean } | undefined;
  const starts: number[] = [];
  for (let guard = 0; guard < 100_000; guard++) {
    while (next < changes.length && (changes[next] as number) <= t) state = recordChanges(state, changes[next++] as number);
    if (running && running.end <= t) {
      state = finishRun(state, t, running.ok, s);
      running = undefined;
    }
    const decision = decide(state, t, s);
    if (decision.kind === 'run') {
      state = startRun(state, t);
      running = { end: t + scenario.renderMs, ok: scenario.results?.[starts.length] ?? true };
      starts.push(t);
      continue;
    }
    const candidates = [changes[next], running?.end, decision.kind === 'wait' ? decision.until : undefined].filter(
      (v): v is number => v !== undefined,
    );
    if (candidates.length === 0) return starts;
    t = Math.max(t, Math.min(...candidates));
  }
  throw new Error('simulation did not settle');
}

const every = (step: number, from: number, to: number) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

describe('render schedule (debounce 10, max wait 100, retry 30 doubling)', () => {
  it.each<[string, Scenario, number[]]>([
    ['one change renders after the quiet period', { changes: [0], renderMs: 5 }, [10]],
    ['a burst renders once, debounce after its last change', { changes: every(1, 0, 50), renderMs: 5 }, [60]],
    ['nothing changes, nothing renders', { changes: [], renderMs: 5 }, []],
    ['a stale map renders at start without waiting', { changes: [], renderMs: 5, runAtStart: true }, [0]],
    ['start render, then a later change debounces normally', { changes: [30], renderMs: 5, runAtStart: true }, [0, 40]],
    ['a world that never goes quiet renders at max wait', { changes: every(5, 0, 250), renderMs: 1 }, [100, 205, 260]],
    ['changes during a render cause exactly one follow-up', { changes: [0, ...every(5, 20, 55)], renderMs: 50 }, [10, 65]],
    ['a follow-up whose quiet passed during the render starts at once', { changes: [0, 20], renderMs: 50 }, [10, 60]],
    ['no changes during a render, no follow-up', { changes: [0, 1, 2], renderMs: 50 }, [12]],
    ['single flight under max wait: overdue batches never overlap', { changes: [0, ...every(5, 20, 400)], renderMs: 200 }, [10, 210, 410]],
    ['a failed render is retried after the backoff', { changes: [0], renderMs: 5, results: [false] }, [10, 45]],
    ['backoff doubles per consecutive failure', { changes: [0], renderMs: 5, results: [false, false, false] }, [10, 45, 110, 235]],
    ['changes during a failed render join the retry', { changes: [0, 12], renderMs: 5, results: [false] }, [10, 45]],
    ['after a failure, fresh changes still wait for quiet', { changes: [0, 40, 44], renderMs: 5, results: [false] }, [10, 54]],
    ['a failed start render is retried', { changes: [], renderMs: 5, runAtStart: true, results: [false] }, [0, 35]],
  ])('%s', (_name, scenario, expected) => {
    expect(simulate(scenario)).toEqual(expected);
  });

  it('burst: 5,000 changes over 3 s with a 60 s debounce give one render 60 s after the last change', () => {
    const s = { debounceMs: 60_000, maxWaitMs: 600_000, retryMinMs: 30_000, retryMaxMs: 900_000 };
    const changes = Array.from({ length: 5000 }, (_, i) => Math.floor((i * 3000) / 5000));
    expect(simulate({ changes, renderMs: 20_000 }, s)).toEqual([2999 + 60_000]);
  });
});

describe('decide', () => {
  it.each<[string, () => ReturnType<typeof decide>, ReturnType<typeof decide>]>([
    ['idle without changes', () => decide(initialDebounce({ now: 0, runAtStart: false }), 5, settings), { kind: 'idle' }],
    [
      'waits for the quiet period',
      () => decide(recordChanges(initialDebounce({ now: 0, runAtStart: false }), 3), 5, settings),
      { kind: 'wait', until: 13 },
    ],
    [
      'busy while rendering, even with new changes',
      () => decide(recordChanges(startRun(recordChanges(initialDebounce({ now: 0, runAtStart: false }), 0), 10), 11), 500, settings),
      { kind: 'busy' },
    ],
  ])('%s', (_name, run, expected) => {
    expect(run()).toEqual(expected);
  });
});

describe('backoffMs', () => {
  it.each([
    [0, 0],
    [1, 30],
    [2, 60],
    [3, 120],
    [6, 960],
    [7, 1000],
    [500, 1000],
  ])('failure %i waits %i ms', (failures, expected) => {
    expect(backoffMs(failures, settings)).toBe(expected);
  });
});

describe('quietPeriod (a task that keeps its own errors)', () => {
  it.each([
    [300, { debounceMs: 300, maxWaitMs: 1000, retryMinMs: 300, retryMaxMs: 300 }],
    [2000, { debounceMs: 2000, maxWaitMs: 6000, retryMinMs: 2000, retryMaxMs: 2000 }],
    [0, { debounceMs: 0, maxWaitMs: 1000, retryMinMs: 0, retryMaxMs: 0 }],
  ])('%i ms of quiet', (quietMs, settings) => {
    expect(quietPeriod(quietMs)).toEqual(settings);
  });

  it('a steady stream of changes still runs after three quiet periods', () => {
    const settings = quietPeriod(2000);
    let state = initialDebounce({ now: 0, runAtStart: false });
    for (let t = 0; t < 6000; t += 500) state = recordChanges(state, t, 1);
    expect(decide(state, 5999, settings).kind).toBe('wait');
    expect(decide(state, 6000, settings).kind).toBe('run');
  });
});
