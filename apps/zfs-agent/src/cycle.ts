import { ConfigError, ExecError, errorMessage, type Logger } from '@homelab/core';
import type { AgentConfig } from './config.js';
import { type Inventory, poolOf } from './inventory.js';
import { type DestroyStep, type GuardPlan, missingDatasets, type Plan, planCycle, poolsOf } from './planner.js';
import type { JobPlan, SendStep } from './replication-plan.js';
import { TargetDivergedError, type Zfs } from './zfs.js';

export interface CycleReport {
  now: number;
  plan: Plan;
  created: string[];
  destroyed: { snapshot: string; reason: string }[];
  replicated: { job: string; sent: string[]; base?: string }[];
  /** The guard's last word per pool over the limit. */
  guard: GuardPlan[];
  guardRounds: number;
  errors: string[];
  /** Pool capacity (percent) after the cycle, from its last listing. */
  capacity: Record<string, number>;
}

export const MAX_GUARD_ROUNDS = 10;

/** The hold tag of a replication job's base. */
export const holdTag = (prefix: string, job: string) => `${prefix}-repl-${job}`;

/** Lists once; throws a ConfigError (exit 2) when a configured dataset does not exist, before any change. */
export async function listChecked(zfs: Zfs, config: AgentConfig): Promise<Inventory> {
  const inv = await zfs.list(poolsOf(config));
  const missing = missingDatasets(config, inv);
  if (missing.length > 0) {
    throw new ConfigError(
      missing.map((m) => ({ key: m.key, problem: `dataset ${m.dataset} does not exist`, expected: 'an existing dataset (zfs list)' })),
    );
  }
  return inv;
}

/** One cycle: list, plan, then snapshots, replication, retention, and the capacity guard's rounds. */
export async function runCycle(deps: { zfs: Zfs; config: AgentConfig; now: number; log: Logger }): Promise<CycleReport> {
  const { zfs, config, now } = deps;
  const log = deps.log.child({ component: 'cycle' });
  let inv = await listChecked(zfs, config);
  const plan = planCycle(config, zfs.features, inv, now);
  const report: CycleReport = {
    now,
    plan,
    created: [],
    destroyed: [],
    replicated: [],
    guard: plan.guard,
    guardRounds: 0,
    errors: [...plan.problems],
    capacity: {},
  };
  for (const problem of plan.problems) log.error({ problem }, 'cannot do part of the plan');

  for (const recursive of [false, true]) {
    const names = plan.creates.filter((c) => c.recursive === recursive).map((c) => `${c.dataset}@${c.snapshot}`);
    await zfs.snapshot(names, recursive);
    for (const name of names) log.info({ snapshot: name }, 'snapshot created');
    report.created.push(...names);
  }

  const failedJobs = new Set<string>();
  for (const job of plan.replications) {
    if (job.error) {
      failedJobs.add(job.target);
      continue;
    }
    try {
      const sent = await replicate(zfs, config, job, inv, log);
      report.replicated.push({ job: job.job, sent, base: job.newBase });
    } catch (error) {
      failedJobs.add(job.target);
      const message = `replication ${job.job}: ${errorMessage(error)}`;
      report.errors.push(message);
      log.error({ job: job.job, err: error }, 'replication failed');
    }
  }

  await destroyAll(
    zfs,
    plan.destroys.filter((d) => !failedJobs.has(d.dataset)),
    report,
    log,
  );

  let guard = plan.guard;
  while (guard.some((g) => g.destroys.length > 0) && report.guardRounds < MAX_GUARD_ROUNDS) {
    report.guardRounds++;
    await destroyAll(
      zfs,
      guard.flatMap((g) => g.destroys),
      report,
      log,
    );
    inv = await zfs.list(poolsOf(config));
    guard = planCycle(config, zfs.features, inv, now, { pruneOnly: true }).guard;
  }
  report.guard = guard;
  for (const g of guard) {
    if (g.blocked) {
      const message = `pool ${g.pool} is at ${g.capacity.toFixed(1)}%, above the limit ${g.limit}%, and nothing more may be pruned (${g.protectedCount} agent snapshots protected by min_keep, holds or the replication base; other snapshots are not the agent's)`;
      report.errors.push(message);
      log.error(
        { pool: g.pool, capacity: g.capacity, limit: g.limit, protected: g.protectedCount },
        'capacity guard blocked: nothing more may be pruned',
      );
    } else if (g.destroys.length > 0) {
      report.errors.push(`pool ${g.pool} is still at ${g.capacity.toFixed(1)}% after ${MAX_GUARD_ROUNDS} guard rounds`);
    }
  }
  // Without guard rounds the first listing is still current, less what retention freed.
  const freed = new Map<string, number>();
  if (report.guardRounds === 0) {
    const done = new Set(report.destroyed.map((x) => x.snapshot));
    for (const d of plan.destroys) {
      if (done.has(`${d.dataset}@${d.snapshot}`)) freed.set(poolOf(d.dataset), (freed.get(poolOf(d.dataset)) ?? 0) + d.used);
    }
  }
  for (const pool of poolsOf(config)) {
    const root = inv.datasets.get(pool);
    if (root) report.capacity[pool] = (100 * (root.used - (freed.get(pool) ?? 0))) / Math.max(1, root.used + root.available);
  }
  return report;
}

async function destroyAll(zfs: Zfs, steps: readonly DestroyStep[], report: CycleReport, log: Logger): Promise<void> {
  const byDataset = new Map<string, DestroyStep[]>();
  for (const step of steps) byDataset.set(step.dataset, [...(byDataset.get(step.dataset) ?? []), step]);
  for (const [dataset, group] of byDataset) {
    try {
      await zfs.destroy(
        dataset,
        group.map((s) => s.snapshot),
      );
      for (const s of group) {
        log.info({ snapshot: `${dataset}@${s.snapshot}`, reason: s.reason, used: s.used }, 'snapshot destroyed');
        report.destroyed.push({ snapshot: `${dataset}@${s.snapshot}`, reason: s.reason });
      }
    } catch (error) {
      report.errors.push(`destroy in ${dataset}: ${errorMessage(error)}`);
      log.error({ dataset, err: error }, 'destroy failed');
    }
  }
}

async function replicate(zfs: Zfs, config: AgentConfig, job: JobPlan, inv: Inventory, log: Logger): Promise<string[]> {
  const sent: string[] = [];
  const resumable = zfs.features.resumableReceive;
  for (const step of job.sends) {
    const [sendArgs, receiveArgs] = sendCommands(job, step, resumable);
    try {
      await zfs.sendReceive(sendArgs, receiveArgs, { job: job.job, from: step.from, to: step.to, resume: step.resumeToken !== undefined });
    } catch (error) {
      throw explainReceiveError(error, job);
    }
    sent.push(step.resumeToken ? '(resumed)' : `${job.source}@${step.to}`);
  }
  if (job.sends.some((s) => s.resumeToken)) return sent;
  if (job.setReadonly) await zfs.set('readonly', 'on', job.target);
  const tag = holdTag(config.prefix, job.job);
  if (job.newBase) {
    const held = (dataset: string) => (inv.datasets.get(dataset)?.snapshots.find((s) => s.name === job.newBase)?.userrefs ?? 0) > 0;
    const changed = job.newBase !== job.oldBase;
    if (changed || !held(job.source) || !held(job.target))
      await zfs.hold(tag, [`${job.source}@${job.newBase}`, `${job.target}@${job.newBase}`]);
    if (changed && job.oldBase) await zfs.release(tag, [`${job.source}@${job.oldBase}`, `${job.target}@${job.oldBase}`]);
    if (changed) log.info({ job: job.job, base: job.newBase, previous: job.oldBase }, 'replication base moved');
  }
  const stale = [...job.staleHolds.source.map((n) => `${job.source}@${n}`), ...job.staleHolds.target.map((n) => `${job.target}@${n}`)];
  if (stale.length > 0) {
    const ours = zfs.features.holdsList ? await zfs.heldBy(tag, stale) : stale;
    await zfs.release(tag, ours);
  }
  return sent;
}

/** The send and receive argument lists of one step. */
export function sendCommands(job: JobPlan, step: SendStep, resumable: boolean): [string[], string[]] {
  const receive = ['receive', ...(resumable ? ['-s'] : []), ...(step.force ? ['-F'] : []), job.target];
  // The token records the stream's flags (raw included); `send -t` takes no others.
  if (step.resumeToken) return [['send', '-t', step.resumeToken], receive];
  const send = ['send', ...(step.raw ? ['-w'] : [])];
  if (step.from) send.push('-I', `${job.source}@${step.from}`);
  send.push(`${job.source}@${step.to}`);
  return [send, receive];
}

function explainReceiveError(error: unknown, job: JobPlan): unknown {
  if (!(error instanceof ExecError)) return error;
  if (
    /modified since most recent snapshot|has been modified|destination .* exists|most recent snapshot of .* does not match/i.test(
      error.stderr,
    )
  ) {
    return new TargetDivergedError(
      `target ${job.target} was modified since its last snapshot ${job.oldBase ?? ''} and the receive was refused (${error.stderr.trim().split('\n').join(' | ')}); nothing was destroyed on either side. Roll the target back by hand (zfs rollback ${job.target}@${job.oldBase ?? '<snapshot>'}) or set force: true`,
      'TARGET_DIVERGED',
      { cause: error },
    );
  }
  return error;
}
