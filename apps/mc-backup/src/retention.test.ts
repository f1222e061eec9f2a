import { ManualClock } from '@homelab/core';
import { describe, expect, it } from 'vitest';
import { type ArchiveRef, isoWeek, type KeepCounts, planRetention } from './retention.js';

const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);
const day = (time: number) => new Date(time).toISOString().slice(0, 10);

/** A year of nightly runs at 04:00 UTC, each followed by a prune, driven by a fake clock. */
function simulateYear(keep: KeepCounts, opts: { start: string; days: number; timeZone?: string }): string[] {
  const clock = new ManualClock(at(opts.start));
  let repo: ArchiveRef[] = [];
  for (let i = 0; i < opts.days; i++) {
    repo.push({ name: `world-${new Date(clock.now()).toISOString()}`, time: clock.now() });
    const decision = planRetention(repo, keep, opts.timeZone);
    repo = decision.keep.map((k) => k.archive);
    clock.advance(DAY);
  }
  return repo.map((a) => day(a.time)).sort();
}

const dates = (month: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `2026-${month}-${String(from + i).padStart(2, '0')}`);

describe('planRetention over a year of daily runs (2026, fake clock)', () => {
  const table: { name: string; keep: KeepCounts; expected: string[] }[] = [
    {
      name: '7 daily, 4 weekly, 6 monthly',
      keep: { daily: 7, weekly: 4, monthly: 6 },
      // monthly: last day of Jun..Nov; weekly: the Sundays of weeks 48-51 (week 52/53 are kept daily)
      expected: [
        '2026-06-30',
        '2026-07-31',
        '2026-08-31',
        '2026-09-30',
        '2026-10-31',
        '2026-11-29',
        '2026-11-30',
        '2026-12-06',
        '2026-12-13',
        '2026-12-20',
        ...dates('12', 25, 31),
      ],
    },
    {
      name: '3 daily, 12 monthly (count not reached: the oldest is kept, as borg does)',
      keep: { daily: 3, weekly: 0, monthly: 12 },
      expected: [
        '2026-01-01',
        '2026-01-31',
        '2026-02-28',
        '2026-03-31',
        '2026-04-30',
        '2026-05-31',
        '2026-06-30',
        '2026-07-31',
        '2026-08-31',
        '2026-09-30',
        '2026-10-31',
        '2026-11-30',
        ...dates('12', 29, 31),
      ],
    },
    { name: '14 daily only', keep: { daily: 14, weekly: 0, monthly: 0 }, expected: dates('12', 18, 31) },
    // 2026-12-31 is in ISO week 53; the newest of week 52 is Sunday 2026-12-27
    { name: '2 weekly only', keep: { daily: 0, weekly: 2, monthly: 0 }, expected: ['2026-12-27', '2026-12-31'] },
    {
      name: '1 daily, 1 weekly, 1 monthly',
      keep: { daily: 1, weekly: 1, monthly: 1 },
      // weekly: the newest of week 53 is kept daily, so week 52's Sunday; monthly: December is kept, so Nov 30
      expected: ['2026-11-30', '2026-12-27', '2026-12-31'],
    },
  ];

  for (const row of table) {
    it(`${row.name}: leaves exactly the expected archives`, () => {
      const left = simulateYear(row.keep, { start: '2026-01-01T04:00:00Z', days: 365 });
      expect(left).toEqual(row.expected);
    });
  }

  it('keeps every archive while fewer runs than the daily count happened', () => {
    expect(simulateYear({ daily: 7, weekly: 4, monthly: 6 }, { start: '2026-01-01T04:00:00Z', days: 5 })).toEqual(dates('01', 1, 5));
  });

  it('after ten days keeps 7 daily plus the oldest (weekly count not reached)', () => {
    const left = simulateYear({ daily: 7, weekly: 4, monthly: 6 }, { start: '2026-01-01T04:00:00Z', days: 10 });
    // Jan 4 (newest of ISO week 1) is still kept daily, so the weekly count is not reached and
    // borg's rule keeps the oldest archive, Jan 1
    expect(left).toEqual(['2026-01-01', ...dates('01', 4, 10)]);
  });
});

describe('planRetention details', () => {
  it('buckets days in the configured time zone', () => {
    const archives = [
      { name: 'a', time: at('2026-03-01T22:30:00Z') }, // 23:30 in Berlin, Mar 1
      { name: 'b', time: at('2026-03-01T23:30:00Z') }, // 00:30 in Berlin, Mar 2
    ];
    const keep = { daily: 2, weekly: 0, monthly: 0 };
    expect(planRetention(archives, keep, 'Europe/Berlin').prune).toEqual([]);
    // in UTC both are Mar 1 and only the newest is kept for that day; the oldest rule keeps the other
    const utc = planRetention(archives, { daily: 1, weekly: 0, monthly: 0 }, 'UTC');
    expect(utc.keep.map((k) => [k.archive.name, k.rule])).toEqual([['b', 'daily']]);
    expect(utc.prune.map((a) => a.name)).toEqual(['a']);
  });

  it('names the rule that keeps each archive and never keeps an old checkpoint', () => {
    const archives = [
      { name: 'w-3', time: at('2026-05-03T04:00:00Z') },
      { name: 'w-2.checkpoint', time: at('2026-05-02T05:00:00Z') },
      { name: 'w-2', time: at('2026-05-02T04:00:00Z') },
      { name: 'w-1', time: at('2026-05-01T04:00:00Z') },
    ];
    const decision = planRetention(archives, { daily: 2, weekly: 0, monthly: 0 });
    expect(decision.keep.map((k) => `${k.archive.name}:${k.rule}`)).toEqual(['w-3:daily', 'w-2:daily']);
    expect(decision.prune.map((a) => a.name)).toEqual(['w-2.checkpoint', 'w-1']);
  });

  it('keeps the newest checkpoint when nothing complete is newer', () => {
    const archives = [
      { name: 'w-2.checkpoint', time: at('2026-05-02T05:00:00Z') },
      { name: 'w-1', time: at('2026-05-01T04:00:00Z') },
    ];
    expect(planRetention(archives, { daily: 1, weekly: 0, monthly: 0 }).keep.map((k) => k.rule)).toEqual(['checkpoint', 'daily']);
  });

  it('computes ISO weeks like strftime %G-%V', () => {
    const cases: [number, number, number, string][] = [
      [2026, 1, 1, '2026-1'],
      [2026, 12, 31, '2026-53'],
      [2027, 1, 3, '2026-53'],
      [2027, 1, 4, '2027-1'],
      [2024, 12, 30, '2025-1'],
      [2021, 1, 3, '2020-53'],
    ];
    for (const [y, m, d, expected] of cases) {
      const w = isoWeek(y, m, d);
      expect(`${w.year}-${w.week}`).toBe(expected);
    }
  });
});
