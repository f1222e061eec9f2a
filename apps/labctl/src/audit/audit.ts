import type { Runner } from '@homelab/core';
import type { Podman } from '../lab/podman.js';
import { podmanName, type RunContext } from '../lab/run-args.js';
import type { Lab } from '../schema.js';
import { type AuditCheck, auditContainer } from './checks.js';
import { apparmorAvailable, gatherFacts } from './facts.js';

export interface AuditDeps {
  podman: Podman;
  runner: Runner;
  run: RunContext;
  /** Overrides the kernel probe (tests). */
  apparmor?: boolean;
}

export interface AuditReport {
  checks: AuditCheck[];
  /** Lab containers that do not run (nothing to audit). */
  notRunning: string[];
  findings: number;
}

/** `labctl audit`: every running container of the lab against its declaration, and any running container the lab does not declare. */
export async function auditLab(lab: Lab, deps: AuditDeps): Promise<AuditReport> {
  const apparmor = deps.apparmor ?? (await apparmorAvailable());
  const checks: AuditCheck[] = [];
  const notRunning: string[] = [];
  const running = (await deps.podman.containers()).filter((c) => c.state === 'running');
  const known = new Set<string>();
  for (const [name, c] of Object.entries(lab.containers)) {
    const pname = podmanName(deps.run, name);
    known.add(pname);
    if (!running.some((r) => r.name === pname)) {
      notRunning.push(name);
      continue;
    }
    const facts = await gatherFacts(pname, c.health === 'sidecar', deps);
    if (!facts) notRunning.push(name);
    else checks.push(...auditContainer(lab, name, c, facts, { configDir: deps.run.configDir, apparmor }));
  }
  for (const r of running) {
    if (known.has(r.name) || !r.name.startsWith(deps.run.containerPrefix)) continue;
    checks.push({ container: r.name, check: 'declared', status: 'finding', detail: 'runs, but lab.yaml declares no such container' });
  }
  return { checks, notRunning, findings: checks.filter((c) => c.status === 'finding').length };
}

/** One line per finding (and per check that cannot be made here), then a summary line. */
export function formatAudit(report: AuditReport, all: boolean): string {
  const lines = report.checks
    .filter((c) => all || c.status !== 'ok')
    .filter((c, i, list) => c.status !== 'unavailable' || list.findIndex((x) => x.check === c.check && x.status === 'unavailable') === i)
    .map((c) =>
      c.status === 'unavailable'
        ? `${c.check}: unavailable: ${c.detail} (not checked, not passed)`
        : `${c.container}: ${c.check}: ${c.status === 'ok' ? 'ok' : 'FINDING'}: ${c.detail}`,
    );
  const audited = new Set(report.checks.map((c) => c.container)).size;
  const ok = report.checks.filter((c) => c.status === 'ok').length;
  lines.push(
    `audit: ${audited} containers, ${ok} checks passed, ${report.findings} findings${report.notRunning.length > 0 ? `; not running: ${report.notRunning.join(', ')}` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}
