import { Counter, Gauge, type Registry } from 'prom-client';
import type { CycleReport } from './cycle.js';

/** The agent's Prometheus metrics: snapshot counts, pool capacity, last replication, errors. */
export function createMetrics(registry: Registry) {
  const registers = [registry];
  const snapshots = new Gauge({
    name: 'zfs_agent_snapshots',
    help: 'Agent snapshots per dataset after the last cycle',
    labelNames: ['dataset'],
    registers,
  });
  const capacity = new Gauge({
    name: 'zfs_agent_pool_capacity_percent',
    help: 'Pool capacity (used / (used + available) of the root)',
    labelNames: ['pool'],
    registers,
  });
  const blocked = new Gauge({
    name: 'zfs_agent_capacity_blocked',
    help: '1 while a pool is over its limit with nothing left to prune',
    labelNames: ['pool'],
    registers,
  });
  const lastReplication = new Gauge({
    name: 'zfs_agent_last_replication_timestamp_seconds',
    help: 'When a job last completed',
    labelNames: ['job'],
    registers,
  });
  const lastCycle = new Gauge({ name: 'zfs_agent_last_cycle_timestamp_seconds', help: 'When the last cycle finished', registers });
  const created = new Counter({ name: 'zfs_agent_snapshots_created_total', help: 'Snapshots created', registers });
  const destroyed = new Counter({
    name: 'zfs_agent_snapshots_destroyed_total',
    help: 'Snapshots destroyed',
    labelNames: ['reason'],
    registers,
  });
  const errors = new Counter({ name: 'zfs_agent_errors_total', help: 'Errors by kind', labelNames: ['kind'], registers });
  for (const kind of ['cycle', 'replication', 'capacity', 'destroy']) errors.inc({ kind }, 0);
  return {
    recordCycle(report: CycleReport, nowMs: number) {
      for (const [dataset, n] of Object.entries(report.plan.counts)) snapshots.set({ dataset }, n);
      for (const [pool, pct] of Object.entries(report.capacity)) {
        capacity.set({ pool }, pct);
        blocked.set({ pool }, report.guard.some((g) => g.pool === pool && g.blocked) ? 1 : 0);
      }
      for (const job of report.replicated) lastReplication.set({ job: job.job }, nowMs / 1000);
      created.inc(report.created.length);
      for (const d of report.destroyed) destroyed.inc({ reason: d.reason.startsWith('capacity') ? 'capacity' : 'retention' });
      for (const e of report.errors)
        errors.inc({
          kind: e.startsWith('replication')
            ? 'replication'
            : e.startsWith('pool')
              ? 'capacity'
              : e.startsWith('destroy')
                ? 'destroy'
                : 'cycle',
        });
      lastCycle.set(nowMs / 1000);
    },
    cycleFailed() {
      errors.inc({ kind: 'cycle' });
    },
  };
}
