import { describe, expect, it } from 'vitest';
import { PERIODS, type Period, periodMs } from './periods.js';
import { applyRetention, duePeriods, type KeepCounts, type Policy } from './retention.js';
import { type AgentSnapshotName, snapshotName } from './snapshot-name.js';

const H = 3_600_000;
const D = 24 * H;
const START = Date.UTC(2026, 0, 1); // a Thursday

const keep = (counts: Partial<KeepCounts>): KeepCounts => ({
  frequently: 0,
  hourly: 0,
  daily: 0,
  weekly: 0,
  monthly: 0,
  yearly: 0,
  ...counts,
});
const policy = (counts: Partial<KeepCounts>, minKeep = 0): Policy => ({ keep: keep(counts), minKeep, frequentMs: 15 * 60_000 });
const snap = (time: number, period: Period): AgentSnapshotName => ({ name: snapshotName('zfs-agent', time, period), time, period });

/** Runs the agent's two pure steps (take what is due, prune) every `stepMs` with a simulated clock. */
function simulate(p: Policy, stepMs: number, steps: number) {
  let snaps: AgentSnapshotName[] = [];
  const created: Record<Period, number> = keep({});
  let now = START;
  for (let i = 0; i < steps; i++) {
    now = START + i * stepMs;
    for (const period of duePeriods(snaps, p, now)) {
      snaps.push(snap(now, period));
      created[period]++;
    }
    const result = applyRetention({ snapshots: snaps, policy: p, now });
    // Nothing younger than count * period is ever pruned, and never below the count.
    for (const { snapshot } of result.prune) {
      expect(now - snapshot.time).toBeGreaterThan(p.keep[snapshot.period] * periodMs(snapshot.period, p.frequentMs));
    }
    for (const period of PERIODS) {
      expect(result.keep.filter((s) => s.period === period).length).toBeGreaterThanOrEqual(Math.min(p.keep[period], created[period]));
    }
    snaps = result.keep;
  }
  const counts = Object.fromEntries(PERIODS.map((period) => [period, snaps.filter((s) => s.period === period).length]));
  return { snaps, counts, now };
}

describe('retention over a simulated year (sanoid model, injected time)', () => {
  const rows: { name: string; policy: Policy; stepMs: number; steps: number; expected: Partial<KeepCounts> }[] = [
    {
      name: 'hourly cycles for 365 days, hourly/daily/weekly/monthly/yearly',
      policy: policy({ hourly: 24, daily: 7, weekly: 4, monthly: 12, yearly: 2 }),
      stepMs: H,
      steps: 365 * 24,
      // At 2026-12-31T23:00: the hourly of exactly 24 h ago is not older than 24 h, so 25 stay.
      expected: { frequently: 0, hourly: 25, daily: 7, weekly: 4, monthly: 12, yearly: 1 },
    },
    {
      name: 'six-hourly cycles, dailies only',
      policy: policy({ daily: 3 }),
      stepMs: 6 * H,
      steps: 365 * 4,
      expected: { daily: 3, hourly: 0 },
    },
    {
      name: 'every 5 minutes for a day, frequently (15 min) and hourly',
      policy: policy({ frequently: 4, hourly: 2 }),
      stepMs: 5 * 60_000,
      steps: 24 * 12,
      expected: { frequently: 4, hourly: 2 },
    },
    {
      name: 'daily cycles for a year, monthly and yearly only',
      policy: policy({ monthly: 3, yearly: 5 }),
      stepMs: D,
      steps: 365,
      // monthly = 31 days: on Dec 31 the Oct 1 monthly is 91 days old (< 93) and stays, Sep 1 goes.
      expected: { monthly: 3, yearly: 1, daily: 0 },
    },
  ];
  it.each(rows)('$name', ({ policy: p, stepMs, steps, expected }) => {
    const { counts } = simulate(p, stepMs, steps);
    expect(counts).toMatchObject(expected);
  });

  it('a snapshot is due once per calendar slot (UTC), weeks starting on Monday', () => {
    const p = policy({ hourly: 1, daily: 1, weekly: 1, monthly: 1, yearly: 1 });
    const existing = [
      snap(Date.UTC(2026, 0, 5, 0, 0), 'weekly'),
      snap(Date.UTC(2026, 0, 5, 0, 0), 'monthly'),
      snap(Date.UTC(2026, 0, 5, 0, 0), 'yearly'),
    ];
    expect(duePeriods(existing, p, Date.UTC(2026, 0, 11, 23, 59))).toEqual(['hourly', 'daily']); // Sunday: same week
    expect(duePeriods(existing, p, Date.UTC(2026, 0, 12, 0, 0))).toEqual(['hourly', 'daily', 'weekly']); // Monday
    expect(duePeriods(existing, p, Date.UTC(2026, 1, 1))).toEqual(['hourly', 'daily', 'weekly', 'monthly']);
  });
});

describe('retention rules', () => {
  const now = Date.UTC(2026, 5, 1);
  it('keeps old snapshots while no more than the count exist (after downtime)', () => {
    const old = [1, 2, 3, 4].map((i) => snap(now - 10 * D - i * H, 'hourly'));
    expect(applyRetention({ snapshots: old, policy: policy({ hourly: 4 }), now }).prune).toEqual([]);
    const withNew = [...old, snap(now, 'hourly')];
    const result = applyRetention({ snapshots: withNew, policy: policy({ hourly: 4 }), now });
    expect(result.prune.map((p) => p.snapshot)).toEqual([old[3]]);
    expect(result.prune[0]?.reason).toBe('hourly keeps 4');
  });

  it('prunes every snapshot of a period the policy no longer keeps, but never below min_keep', () => {
    const dailies = [1, 2, 3, 4, 5].map((i) => snap(now - i * D, 'daily'));
    const result = applyRetention({ snapshots: dailies, policy: policy({ hourly: 24 }, 3), now });
    expect(result.keep).toEqual([dailies[2], dailies[1], dailies[0]]);
    expect(result.prune.map((p) => p.reason)).toEqual(['daily keeps none', 'daily keeps none']);
  });

  it('never prunes a protected snapshot', () => {
    const hourlies = [30, 29, 28, 2, 1].map((i) => snap(now - i * H, 'hourly'));
    const held = hourlies[0] as AgentSnapshotName;
    const result = applyRetention({ snapshots: hourlies, policy: policy({ hourly: 2 }), now, isProtected: (s) => s === held });
    expect(result.keep).toContain(held);
    expect(result.prune.map((p) => p.snapshot)).toEqual([hourlies[1], hourlies[2]]);
  });

  it('is a pure function of its input: same input, same answer, input untouched', () => {
    const snaps = [5, 4, 3, 2, 1].map((i) => snap(now - i * D, 'daily'));
    const copy = structuredClone(snaps);
    const a = applyRetention({ snapshots: snaps, policy: policy({ daily: 2 }), now });
    const b = applyRetention({ snapshots: snaps, policy: policy({ daily: 2 }), now });
    expect(a).toEqual(b);
    expect(snaps).toEqual(copy);
  });
});
