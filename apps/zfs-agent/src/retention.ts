import { PERIODS, type Period, periodMs, slotOf } from './periods.js';
import type { AgentSnapshotName } from './snapshot-name.js';

/** Keep counts per period (0 = take none and prune all of that period) plus the floor `minKeep`. */
export type KeepCounts = Record<Period, number>;

export interface Policy {
  keep: KeepCounts;
  /** Never prune below this many agent snapshots on the dataset (retention and capacity guard). */
  minKeep: number;
  /** Length of a `frequently` period. */
  frequentMs: number;
}

export interface RetentionInput<S extends AgentSnapshotName> {
  /** The agent's snapshots of one dataset, in any order. */
  snapshots: readonly S[];
  policy: Policy;
  now: number;
  /** Snapshots that must stay whatever the policy says (held, the replication base). */
  isProtected?: (snapshot: S) => boolean;
}

export interface RetentionResult<S> {
  keep: S[];
  prune: { snapshot: S; reason: string }[];
}

const byTime = <S extends AgentSnapshotName>(a: S, b: S) => a.time - b.time || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The sanoid rule, pure: a snapshot of a period goes when it is older than `count * period` AND
 * more than `count` of that period exist (oldest first). Then `minKeep` puts back the newest pruned
 * ones if too few would remain, and protected snapshots always stay.
 */
export function applyRetention<S extends AgentSnapshotName>(input: RetentionInput<S>): RetentionResult<S> {
  const { policy, now } = input;
  const prune = new Map<S, string>();
  for (const period of PERIODS) {
    const ofPeriod = input.snapshots.filter((s) => s.period === period).sort(byTime);
    const count = policy.keep[period];
    const maxAge = now - count * periodMs(period, policy.frequentMs);
    let remaining = ofPeriod.length;
    for (const snap of ofPeriod) {
      if (remaining <= count) break;
      if (snap.time < maxAge) {
        prune.set(snap, count === 0 ? `${period} keeps none` : `${period} keeps ${count}`);
        remaining--;
      }
    }
  }
  for (const snap of prune.keys()) if (input.isProtected?.(snap)) prune.delete(snap);
  const floor = Math.min(policy.minKeep, input.snapshots.length);
  const pruned = [...prune.keys()].sort(byTime);
  while (input.snapshots.length - prune.size < floor) {
    const newest = pruned.pop();
    if (!newest) break;
    prune.delete(newest);
  }
  const sorted = [...input.snapshots].sort(byTime);
  return {
    keep: sorted.filter((s) => !prune.has(s)),
    prune: sorted.filter((s) => prune.has(s)).map((snapshot) => ({ snapshot, reason: prune.get(snapshot) as string })),
  };
}

/** Periods whose snapshot is due at `now`: kept (count > 0) and none yet in the current slot. */
export function duePeriods(snapshots: readonly AgentSnapshotName[], policy: Policy, now: number): Period[] {
  return PERIODS.filter((period) => {
    if (policy.keep[period] <= 0) return false;
    const slot = slotOf(period, now, policy.frequentMs);
    return !snapshots.some((s) => s.period === period && slotOf(period, s.time, policy.frequentMs) >= slot);
  });
}
