import type { CycleReport } from './cycle.js';
import type { Plan } from './planner.js';
import { formatStamp } from './snapshot-name.js';

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

/** `zfs-agent plan` output: one line per action, nothing changed. */
export function formatPlan(plan: Plan): string {
  const lines = [`plan at ${formatStamp(plan.now)}`];
  for (const c of plan.creates) lines.push(`create   ${c.dataset}@${c.snapshot}${c.recursive ? ' (recursive)' : ''}`);
  for (const job of plan.replications) {
    if (job.error) continue;
    for (const s of job.sends) {
      const what = s.resumeToken
        ? 'resume interrupted receive'
        : s.from
          ? `incremental -I ${job.source}@${s.from} ${job.source}@${s.to}`
          : `full ${job.source}@${s.to}`;
      lines.push(`send     ${job.job}: ${what} -> ${job.target}${s.raw ? ' (raw)' : ''}${s.force ? ' (receive -F)' : ''}`);
    }
    if (job.sends.length === 0) lines.push(`send     ${job.job}: ${job.note ?? 'nothing to send'}`);
  }
  for (const d of plan.destroys) lines.push(`destroy  ${d.dataset}@${d.snapshot} (${d.reason})`);
  for (const g of plan.guard) {
    lines.push(`guard    pool ${g.pool} at ${g.capacity.toFixed(1)}% > ${g.limit}%${g.blocked ? ': nothing may be pruned' : ''}`);
    for (const d of g.destroys) lines.push(`destroy  ${d.dataset}@${d.snapshot} (${d.reason}, frees ~${mib(d.used)})`);
  }
  for (const p of plan.problems) lines.push(`problem  ${p}`);
  if (lines.length === 1) lines.push('nothing to do');
  return `${lines.join('\n')}\n`;
}

/** `zfs-agent once` summary. */
export function formatReport(report: CycleReport): string {
  const lines = [
    `cycle at ${formatStamp(report.now)}: ${report.created.length} created, ${report.destroyed.length} destroyed, ${report.replicated.length} jobs replicated`,
  ];
  for (const c of report.created) lines.push(`created    ${c}`);
  for (const r of report.replicated)
    lines.push(`replicated ${r.job}: ${r.sent.length ? r.sent.join(', ') : 'up to date'}${r.base ? ` (base ${r.base})` : ''}`);
  for (const d of report.destroyed) lines.push(`destroyed  ${d.snapshot} (${d.reason})`);
  for (const [pool, pct] of Object.entries(report.capacity)) lines.push(`capacity   ${pool} ${pct.toFixed(1)}%`);
  for (const e of report.errors) lines.push(`error      ${e}`);
  return `${lines.join('\n')}\n`;
}
