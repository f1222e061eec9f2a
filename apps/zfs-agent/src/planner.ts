import type { AgentConfig, DatasetConfig } from './config.js';
import type { ZfsFeatures } from './features.js';
import { datasetsUnder, type Inventory, poolCapacity, poolOf, type SnapshotInfo } from './inventory.js';
import type { Period } from './periods.js';
import { type JobPlan, planReplication, type SourceSnapshot } from './replication-plan.js';
import { applyRetention, duePeriods, type Policy } from './retention.js';
import { type AgentSnapshotName, agentTime, parseSnapshotName, periodOf, snapshotName } from './snapshot-name.js';

export interface CreateStep {
  /** The configured dataset; with `recursive` the snapshot is taken with -r. */
  dataset: string;
  snapshot: string;
  period: Period;
  recursive: boolean;
}

export interface DestroyStep {
  dataset: string;
  snapshot: string;
  reason: string;
  /** Bytes the listing says only this snapshot holds. */
  used: number;
}

export interface GuardPlan {
  pool: string;
  capacity: number;
  limit: number;
  /** Oldest prunable agent snapshots chosen to bring the pool under the limit. */
  destroys: DestroyStep[];
  /** Capacity the listing's `used` figures predict after the destroys. */
  estimated: number;
  /** Over the limit with nothing left that may be pruned. */
  blocked: boolean;
  /** Agent snapshots kept back by min_keep, holds or the replication base. */
  protectedCount: number;
}

export interface Plan {
  now: number;
  creates: CreateStep[];
  destroys: DestroyStep[];
  replications: JobPlan[];
  guard: GuardPlan[];
  /** Per dataset: agent snapshots after the plan ran (for metrics). */
  counts: Record<string, number>;
  problems: string[];
}

interface Snap extends AgentSnapshotName {
  dataset: string;
  info?: SnapshotInfo;
}

/** Datasets the config names that the listing does not have (a replication target may be missing). */
export function missingDatasets(config: AgentConfig, inv: Inventory): { key: string; dataset: string }[] {
  const out: { key: string; dataset: string }[] = [];
  for (const ds of config.datasets) if (!inv.datasets.has(ds.name)) out.push({ key: `datasets.${ds.name}`, dataset: ds.name });
  config.replication.forEach((job, i) => {
    if (!inv.datasets.has(job.source)) out.push({ key: `replication.${i}.source`, dataset: job.source });
    if (!inv.datasets.has(poolOf(job.target))) out.push({ key: `replication.${i}.target`, dataset: poolOf(job.target) });
  });
  return out;
}

/** The pools a cycle lists: those of every dataset, source and target. */
export function poolsOf(config: AgentConfig): string[] {
  const pools = new Set<string>();
  for (const ds of config.datasets) pools.add(poolOf(ds.name));
  for (const job of config.replication) {
    pools.add(poolOf(job.source));
    pools.add(poolOf(job.target));
  }
  return [...pools].sort();
}

export interface PlanOptions {
  /** Skip snapshots and replication: only retention and the guard (the guard's follow-up rounds). */
  pruneOnly?: boolean;
}

/** Pure: one listing in, everything a cycle would create, destroy and send out. */
export function planCycle(config: AgentConfig, features: ZfsFeatures, inv: Inventory, now: number, opts: PlanOptions = {}): Plan {
  const plan: Plan = { now, creates: [], destroys: [], replications: [], guard: [], counts: {}, problems: [] };
  const agentName = (name: string) => parseSnapshotName(config.prefix, name);
  /** Per dataset: its policy and the agent snapshots it will have (existing + created). */
  const managed = new Map<string, { policy: Policy; snaps: Snap[] }>();
  const protectedNames = new Map<string, Set<string>>();
  const protect = (dataset: string, name: string | undefined) => {
    if (name === undefined) return;
    const set = protectedNames.get(dataset) ?? new Set<string>();
    protectedNames.set(dataset, set.add(name));
  };

  const existing = (dataset: string): Snap[] => {
    const out: Snap[] = [];
    for (const info of inv.datasets.get(dataset)?.snapshots ?? []) {
      const period = periodOf(info.name);
      const time = period === undefined ? -1 : agentTime(config.prefix, info.name, period);
      if (period !== undefined && time >= 0) out.push({ name: info.name, time, period, dataset, info });
    }
    return out;
  };

  for (const ds of config.datasets) {
    const root = inv.datasets.get(ds.name);
    if (!root) {
      plan.problems.push(`dataset ${ds.name} does not exist`);
      continue;
    }
    const rootSnaps = existing(ds.name);
    const due = opts.pruneOnly ? [] : duePeriods(rootSnaps, ds.policy, now);
    for (const period of due)
      plan.creates.push({ dataset: ds.name, snapshot: snapshotName(config.prefix, now, period), period, recursive: ds.recursive });
    for (const child of datasetsUnder(inv, ds.name, ds.recursive)) {
      if (managed.has(child.name)) continue; // a more specific entry configured it
      const snaps = existing(child.name);
      for (const period of due) snaps.push({ name: snapshotName(config.prefix, now, period), time: now, period, dataset: child.name });
      managed.set(child.name, { policy: specificPolicy(config.datasets, child.name, ds), snaps });
    }
  }

  if (!opts.pruneOnly) {
    for (const job of config.replication) {
      const source = inv.datasets.get(job.source);
      const created = new Set(
        managed
          .get(job.source)
          ?.snaps.filter((s) => !s.info)
          .map((s) => s.name),
      );
      const sourceSnaps: SourceSnapshot[] = [
        ...(source?.snapshots ?? []).map((s) => ({ name: s.name, guid: s.guid, agent: agentName(s.name) !== undefined })),
        ...[...created].map((name) => ({ name, agent: true })),
      ];
      const target = inv.datasets.get(job.target);
      const jp = planReplication(job, features, source, sourceSnaps, target, (n) => agentName(n) !== undefined);
      plan.replications.push(jp);
      if (jp.error) plan.problems.push(`replication ${job.name}: ${jp.error}`);
      for (const name of jp.protect) protect(job.source, name);
      for (const name of [jp.oldBase, jp.newBase]) {
        protect(job.source, name);
        protect(job.target, name);
      }
      // The target's own retention, over what it will hold after the sends land.
      const targetSnaps: Snap[] = [];
      const infos = new Map((target?.snapshots ?? []).map((s) => [s.name, s] as const));
      for (const name of jp.error ? [] : jp.targetAfter) {
        const parsed = agentName(name);
        if (parsed) targetSnaps.push({ ...parsed, dataset: job.target, info: infos.get(name) });
      }
      if (!jp.error && (target || jp.sends.length > 0)) managed.set(job.target, { policy: job.policy, snaps: targetSnaps });
    }
  } else {
    for (const job of config.replication) {
      const target = inv.datasets.get(job.target);
      if (target) managed.set(job.target, { policy: job.policy, snaps: existing(job.target) });
    }
  }

  const isProtected = (s: Snap) => (s.info?.userrefs ?? 0) > 0 || (protectedNames.get(s.dataset)?.has(s.name) ?? false);
  const remaining = new Map<string, Snap[]>();
  for (const [dataset, { policy, snaps }] of managed) {
    const result = applyRetention({ snapshots: snaps, policy, now, isProtected });
    for (const { snapshot, reason } of result.prune) {
      // A snapshot only planned (not yet existing) and pruned at once is simply not kept.
      if (snapshot.info) plan.destroys.push({ dataset, snapshot: snapshot.name, reason, used: snapshot.info.used });
    }
    remaining.set(dataset, result.keep);
  }

  plan.guard = planGuard(config, inv, managed, remaining, isProtected, plan.destroys);
  const guarded = new Set(plan.guard.flatMap((g) => g.destroys.map((d) => `${d.dataset}@${d.snapshot}`)));
  for (const [dataset, snaps] of remaining) plan.counts[dataset] = snaps.filter((s) => !guarded.has(`${dataset}@${s.name}`)).length;
  return plan;
}

function specificPolicy(datasets: readonly DatasetConfig[], name: string, fallback: DatasetConfig): Policy {
  return datasets.find((d) => d.name === name)?.policy ?? fallback.policy;
}

function planGuard(
  config: AgentConfig,
  inv: Inventory,
  managed: Map<string, { policy: Policy; snaps: Snap[] }>,
  remaining: Map<string, Snap[]>,
  isProtected: (s: Snap) => boolean,
  retentionDestroys: readonly DestroyStep[],
): GuardPlan[] {
  const out: GuardPlan[] = [];
  const pools = new Set([...managed.keys()].map(poolOf));
  for (const pool of [...pools].sort()) {
    const cap = poolCapacity(inv, pool);
    if (!cap || cap.percent <= config.capacityLimit) continue;
    const candidates: Snap[] = [];
    let protectedCount = 0;
    for (const [dataset, { policy }] of managed) {
      if (poolOf(dataset) !== pool) continue;
      const keep = remaining.get(dataset) ?? [];
      const existingKeep = keep.filter((s) => s.info);
      let prunable = Math.max(0, keep.length - policy.minKeep);
      for (const snap of existingKeep) {
        if (isProtected(snap) || prunable === 0) {
          protectedCount++;
          continue;
        }
        candidates.push(snap);
        prunable--;
      }
    }
    candidates.sort((a, b) => a.time - b.time || (a.info?.order ?? 0) - (b.info?.order ?? 0));
    const destroys: DestroyStep[] = [];
    // What retention frees this cycle counts before the guard picks anything.
    const freedByRetention = retentionDestroys.filter((d) => poolOf(d.dataset) === pool).reduce((n, d) => n + d.used, 0);
    let used = cap.used - freedByRetention;
    const limitBytes = (config.capacityLimit / 100) * cap.size;
    for (const snap of candidates) {
      if (used <= limitBytes) break;
      destroys.push({
        dataset: snap.dataset,
        snapshot: snap.name,
        reason: `capacity ${cap.percent.toFixed(1)}% > ${config.capacityLimit}%`,
        used: snap.info?.used ?? 0,
      });
      used -= snap.info?.used ?? 0;
    }
    if (used > limitBytes && destroys.length > 0) {
      // Blocks shared by several snapshots show in no one's `used`: prune step by step (the
      // executor lists again after each round) instead of everything at once.
      const lastFreeing = destroys.findLastIndex((d) => d.used > 0);
      destroys.splice(Math.max(1, lastFreeing + 1));
    }
    out.push({
      pool,
      capacity: cap.percent,
      limit: config.capacityLimit,
      destroys,
      estimated: (100 * (cap.used - freedByRetention - destroys.reduce((n, d) => n + d.used, 0))) / cap.size,
      blocked: destroys.length === 0 && cap.used - freedByRetention > limitBytes,
      protectedCount,
    });
  }
  return out;
}
