import type { NameRecord } from './state.js';

/** Pure: how long to trust an answer, from its smallest TTL (seconds), clamped to [min, max] ms. */
export function refreshAfter(ttlSeconds: number | undefined, minMs: number, maxMs: number): number {
  const ms = ttlSeconds === undefined || !Number.isFinite(ttlSeconds) ? minMs : ttlSeconds * 1000;
  return Math.min(maxMs, Math.max(minMs, ms));
}

export interface AdmittedPlan {
  /** Every address to admit now. */
  addresses: string[];
  /** Names whose last answer is older than their refresh but still inside the grace period. */
  stale: string[];
  /** Names past the grace period: their addresses are no longer admitted. */
  expired: string[];
}

/**
 * Pure: the admitted set at `now`. A name's last known addresses stay while DNS fails, until
 * `graceMs` after its last answer; names never answered admit nothing.
 */
export function planAdmitted(names: Record<string, NameRecord>, failing: ReadonlySet<string>, now: number, graceMs: number): AdmittedPlan {
  const addresses = new Set<string>();
  const stale: string[] = [];
  const expired: string[] = [];
  for (const [name, record] of Object.entries(names)) {
    if (now - record.lastOk > graceMs) {
      expired.push(name);
      continue;
    }
    if (failing.has(name)) stale.push(name);
    for (const a of record.addresses) addresses.add(a);
  }
  return { addresses: [...addresses].sort(), stale: stale.sort(), expired: expired.sort() };
}

/** Pure: what to add and remove to move the applied set to the planned one. */
export function diffAdmitted(applied: ReadonlySet<string>, planned: readonly string[]): { added: string[]; removed: string[] } {
  const next = new Set(planned);
  return { added: planned.filter((a) => !applied.has(a)), removed: [...applied].filter((a) => !next.has(a)).sort() };
}
