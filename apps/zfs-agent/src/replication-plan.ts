import type { ReplicationJob } from './config.js';
import type { ZfsFeatures } from './features.js';
import type { DatasetInfo, SnapshotInfo } from './inventory.js';

/** One `zfs send | zfs receive` of a job. */
export interface SendStep {
  /** `-I from` (incremental with intermediates); absent for a full send or a resume. */
  from?: string;
  /** The source snapshot name (after @); absent for a resume. */
  to?: string;
  /** `send -t <token> | receive -s`: continue an interrupted receive (OpenZFS). */
  resumeToken?: string;
  raw: boolean;
  /** `receive -F`: only when the job says `force: true`. */
  force: boolean;
}

export interface JobPlan {
  job: string;
  source: string;
  target: string;
  sends: SendStep[];
  /** Snapshot (name) that becomes the base: held on both sides after the sends land. */
  newBase?: string;
  /** The base held until now: released on both sides after success. */
  oldBase?: string;
  /** Agent snapshots older than the base that still carry a hold (a crash between hold and release). */
  staleHolds: { source: string[]; target: string[] };
  setReadonly: boolean;
  /** Further source snapshots no prune may touch this cycle (an interrupted receive's stream). */
  protect: string[];
  /** Snapshot names the target will have after the sends (existing + incoming). */
  targetAfter: string[];
  /** Why nothing can be sent (diverged target, missing source, nothing to send yet). */
  error?: string;
  note?: string;
}

export interface SourceSnapshot {
  name: string;
  guid?: string;
  agent: boolean;
}

/**
 * Pure: what a job sends. First a full send of the oldest agent snapshot, then `-I` to the newest;
 * later `-I` from the newest snapshot both sides share (matched by guid). A target with no common
 * snapshot, or with snapshots after the common one, has diverged: an error unless `force`.
 */
export function planReplication(
  job: ReplicationJob,
  features: ZfsFeatures,
  source: DatasetInfo | undefined,
  /** The source's snapshots after this cycle's creates, oldest first. */
  sourceSnaps: readonly SourceSnapshot[],
  target: DatasetInfo | undefined,
  isAgentName: (name: string) => boolean,
): JobPlan {
  const plan: JobPlan = {
    job: job.name,
    source: job.source,
    target: job.target,
    sends: [],
    staleHolds: { source: [], target: [] },
    setReadonly: false,
    protect: [],
    targetAfter: target?.snapshots.map((s) => s.name) ?? [],
  };
  if (!source) return { ...plan, error: `source ${job.source} does not exist` };
  const raw =
    job.raw === 'always' || (job.raw === 'auto' && features.encryption && source.encryption !== undefined && source.encryption !== 'off');
  if (job.raw === 'always' && !features.encryption)
    return { ...plan, error: `raw: always but this zfs (${features.version}) has no raw send` };
  const agentSnaps = sourceSnaps.filter((s) => s.agent);
  const latest = agentSnaps.at(-1);

  if (target?.resumeToken) {
    plan.sends.push({ resumeToken: target.resumeToken, raw, force: false });
    // The token names its snapshots only in encoded form: keep every source snapshot until it lands.
    plan.protect = sourceSnaps.map((s) => s.name);
    plan.note = 'resuming an interrupted receive; the next cycle continues incrementally';
    return plan;
  }
  if (!latest) return { ...plan, note: `no agent snapshot of ${job.source} to send yet` };

  if (!target) {
    const oldest = agentSnaps[0] as SourceSnapshot;
    plan.sends.push({ to: oldest.name, raw, force: false });
    if (latest.name !== oldest.name) plan.sends.push({ from: oldest.name, to: latest.name, raw, force: false });
    plan.newBase = latest.name;
    plan.setReadonly = true;
    plan.targetAfter = namesBetween(sourceSnaps, oldest.name, latest.name);
    return plan;
  }

  const byGuid = new Map(target.snapshots.map((s) => [s.guid, s] as const));
  let baseIndex = -1;
  sourceSnaps.forEach((s, i) => {
    if (s.guid !== undefined && byGuid.has(s.guid)) baseIndex = i;
  });
  if (baseIndex < 0) {
    if (target.snapshots.length === 0 && job.force) {
      plan.sends.push({ to: latest.name, raw, force: true });
      plan.newBase = latest.name;
      plan.targetAfter = [latest.name];
      return plan;
    }
    return {
      ...plan,
      error: `target ${job.target} has no snapshot in common with ${job.source} (compared by guid); refusing to overwrite it. Rename or destroy the target to start over with a full send`,
    };
  }
  const base = sourceSnaps[baseIndex] as SourceSnapshot;
  const targetBase = byGuid.get(base.guid as string) as SnapshotInfo;
  const extra = target.snapshots.filter((s) => s.order > targetBase.order).map((s) => s.name);
  if (extra.length > 0 && !job.force) {
    return {
      ...plan,
      oldBase: base.name,
      error: `target ${job.target} diverged: it has snapshots after the common snapshot ${base.name} (${extra.join(', ')}); refusing to roll it back. Remove them by hand or set force: true`,
    };
  }
  plan.oldBase = base.name;
  plan.staleHolds = {
    source: sourceSnapInfos(source, baseIndex, sourceSnaps, isAgentName),
    target: target.snapshots.filter((s) => s.order < targetBase.order && s.userrefs > 0 && isAgentName(s.name)).map((s) => s.name),
  };
  const newestAgentAfterBase = sourceSnaps.slice(baseIndex + 1).findLast((s) => s.agent);
  if (!newestAgentAfterBase) {
    plan.newBase = base.name;
    plan.note = 'up to date';
    return plan;
  }
  plan.sends.push({ from: base.name, to: newestAgentAfterBase.name, raw, force: job.force && extra.length > 0 });
  // Only with a send: zfs-fuse reports a mounted dataset's readonly as "off (temporary)" even when on.
  plan.setReadonly = target.readonly !== 'on';
  plan.newBase = newestAgentAfterBase.name;
  const kept = job.force ? target.snapshots.filter((s) => s.order <= targetBase.order) : target.snapshots;
  plan.targetAfter = [...kept.map((s) => s.name), ...namesBetween(sourceSnaps, base.name, newestAgentAfterBase.name).slice(1)];
  return plan;
}

function namesBetween(snaps: readonly SourceSnapshot[], from: string, to: string): string[] {
  const a = snaps.findIndex((s) => s.name === from);
  const b = snaps.findIndex((s) => s.name === to);
  return snaps.slice(a, b + 1).map((s) => s.name);
}

function sourceSnapInfos(
  source: DatasetInfo,
  baseIndex: number,
  sourceSnaps: readonly SourceSnapshot[],
  isAgentName: (n: string) => boolean,
): string[] {
  const older = new Set(sourceSnaps.slice(0, baseIndex).map((s) => s.name));
  return source.snapshots.filter((s) => older.has(s.name) && s.userrefs > 0 && isAgentName(s.name)).map((s) => s.name);
}
