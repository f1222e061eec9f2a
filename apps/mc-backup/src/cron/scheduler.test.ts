import { ManualClock } from '@homelab/core';
import { describe, expect, it } from 'vitest';
import { parseCron } from './expression.js';
import { MAX_SLEEP_MS, runOnSchedule } from './scheduler.js';
import { wallClockOf } from './wall-clock.js';

/** A ManualClock that remembers how long each sleep asked for. */
class RecordingClock extends ManualClock {
  sleeps: number[] = [];
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return super.sleep(ms, signal);
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const iso = (t: number) => new Date(t).toISOString();

function schedule(expression: string, start: string, zone = 'UTC', job?: (clock: ManualClock) => Promise<void>) {
  const clock = new RecordingClock(Date.parse(start));
  const controller = new AbortController();
  const runs: string[] = [];
  const run = runOnSchedule(
    parseCron(expression),
    wallClockOf(zone),
    async () => {
      runs.push(iso(clock.now()));
      await job?.(clock);
    },
    clock,
    controller.signal,
  );
  const at = async (time: string) => {
    clock.set(Date.parse(time));
    for (let i = 0; i < 5; i++) await settle();
  };
  return { clock, controller, runs, run, at };
}

describe('runOnSchedule', () => {
  it('runs the job at each fire time and not between', async () => {
    const s = schedule('*/10 * * * *', '2026-06-01T00:00:05Z');
    expect(iso(s.run.first as number)).toBe('2026-06-01T00:10:00.000Z');
    await s.at('2026-06-01T00:09:59.999Z');
    expect(s.runs).toEqual([]);
    await s.at('2026-06-01T00:10:00Z');
    await s.at('2026-06-01T00:15:00Z');
    await s.at('2026-06-01T00:20:00.200Z');
    expect(s.runs).toEqual(['2026-06-01T00:10:00.000Z', '2026-06-01T00:20:00.200Z']);
    s.controller.abort();
    await s.run.done;
    expect(s.clock.pending).toBe(0);
  });

  it('waits months in sleeps of at most an hour, far below the 2^31-1 ms a timer holds', async () => {
    const s = schedule('0 0 1 1 *', '2026-06-01T00:00:00Z');
    expect(iso(s.run.first as number)).toBe('2027-01-01T00:00:00.000Z');
    await s.at('2026-06-01T00:59:59Z');
    await s.at('2026-06-01T01:00:00Z');
    await s.at('2026-12-31T23:59:59Z');
    expect(s.runs).toEqual([]);
    expect(s.clock.sleeps.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...s.clock.sleeps)).toBe(MAX_SLEEP_MS);
    expect(s.clock.sleeps.at(-1)).toBe(1_000);
    await s.at('2027-01-01T00:00:00Z');
    expect(s.runs).toEqual(['2027-01-01T00:00:00.000Z']);
    s.controller.abort();
    await s.run.done;
  });

  it('never runs twice at once: fire times passing during a run are dropped, the next is the first after it ended', async () => {
    let release: () => void = () => {};
    const s = schedule('* * * * * *', '2026-06-01T00:00:00.500Z', 'UTC', () => new Promise<void>((r) => (release = r)));
    await s.at('2026-06-01T00:00:01Z');
    await s.at('2026-06-01T00:00:05.300Z');
    expect(s.runs).toEqual(['2026-06-01T00:00:01.000Z']);
    release();
    await s.at('2026-06-01T00:00:05.300Z');
    expect(s.runs).toHaveLength(1);
    await s.at('2026-06-01T00:00:06Z');
    expect(s.runs).toEqual(['2026-06-01T00:00:01.000Z', '2026-06-01T00:00:06.000Z']);
    release();
    s.controller.abort();
    await s.run.done;
  });

  it('a wake long after the fire time (a suspended host) runs once, then waits for the next fire', async () => {
    const s = schedule('0 4 * * *', '2026-06-01T00:00:00Z');
    await s.at('2026-06-03T12:00:00Z');
    expect(s.runs).toEqual(['2026-06-03T12:00:00.000Z']);
    await s.at('2026-06-04T03:59:59Z');
    expect(s.runs).toHaveLength(1);
    await s.at('2026-06-04T04:00:00Z');
    expect(s.runs).toHaveLength(2);
    s.controller.abort();
    await s.run.done;
  });

  it('stopping waits for the run in flight and leaves no sleeper behind', async () => {
    let release: () => void = () => {};
    const s = schedule('*/2 * * * * *', '2026-06-01T00:00:00Z', 'UTC', () => new Promise<void>((r) => (release = r)));
    await s.at('2026-06-01T00:00:02Z');
    s.controller.abort();
    let done = false;
    void s.run.done.then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    release();
    await s.run.done;
    expect(s.runs).toHaveLength(1);
    expect(s.clock.pending).toBe(0);
  });

  it('fires in BACKUP_TZ: 04:00 in Tokyo is 19:00 UTC', async () => {
    const s = schedule('0 4 * * *', '2026-06-01T00:00:00Z', 'Asia/Tokyo');
    expect(iso(s.run.first as number)).toBe('2026-06-01T19:00:00.000Z');
    await s.at('2026-06-01T19:00:00Z');
    expect(s.runs).toEqual(['2026-06-01T19:00:00.000Z']);
    s.controller.abort();
    await s.run.done;
  });
});
