import { ExecError, type Runner } from '@homelab/core';
import { HOST, wiredEnds } from '../model.js';
import { SIDECAR_HEALTH_URL } from '../render/compose.js';
import { NFT_TABLE } from '../render/nft.js';
import type { Lab } from '../schema.js';
import { deleteTables, executePlan, inNs, mapLimit, observeAll } from './apply.js';
import { attachedNames, type NetnsOptions, resolveNetns } from './netns.js';
import { desiredState, focusDesired, planDown, planUp, restrictDesired } from './plan.js';

export interface WireResult {
  changes: string[];
  /** Milliseconds spent, for the bench and the log. */
  durationMs: number;
}

export interface WireScope {
  /** Wire only these containers (and the host): the ones that run. Default: every end of the lab. */
  present?: ReadonlySet<string>;
  /** Only the links of these containers (they restarted). Default: every link of `present`. */
  focus?: ReadonlySet<string>;
  /** PIDs by podman name when the caller just listed them: saves a `podman inspect`. */
  knownPids?: ReadonlyMap<string, number>;
}

export async function wireUp(runner: Runner, lab: Lab, opts: NetnsOptions, scope: WireScope = {}): Promise<WireResult> {
  const started = performance.now();
  const all = desiredState(lab);
  const present = scope.present ? restrictDesired(all, new Set([HOST, ...scope.present])) : all;
  const desired = scope.focus ? focusDesired(present, scope.focus) : present;
  const ns = await resolveNetns(
    runner,
    desired.map((d) => d.end),
    opts,
    scope.knownPids,
  );
  const observed = await observeAll(runner, desired, ns.netnsOf);
  const plan = planUp(desired, observed, ns.netnsOf);
  await executePlan(runner, plan, ns.netnsOf);
  return { changes: plan.changes, durationMs: Math.round(performance.now() - started) };
}

export async function wireDown(runner: Runner, lab: Lab, opts: NetnsOptions): Promise<WireResult> {
  const started = performance.now();
  const desired = desiredState(lab);
  const ends = wiredEnds(lab);
  let netnsOf: (end: string) => string | undefined;
  let present: typeof desired;
  if (opts.source === 'named') {
    const ns = await resolveNetns(runner, ends, opts);
    netnsOf = ns.netnsOf;
    present = desired;
  } else {
    // Containers may already be gone: work on the namespaces still attached, and the host.
    const attached = new Set(await attachedNames(runner, ends, opts.prefix));
    netnsOf = (end) => (end === HOST ? undefined : `${opts.prefix}${end}`);
    present = desired.filter((d) => d.end === HOST || attached.has(`${opts.prefix}${d.end}`));
  }
  // Tables are not listed first: deleting them is one process either way (and they go last, after the links).
  const observed = await observeAll(runner, present, netnsOf, false);
  const plan = planDown(lab, present, observed);
  await executePlan(runner, plan, netnsOf);
  for (const end of await deleteTables(
    runner,
    present.map((d) => d.end),
    netnsOf,
  ))
    plan.changes.push(`nftables table ${NFT_TABLE} deleted in ${end}`);
  if (opts.source === 'podman') {
    for (const d of present) {
      const name = netnsOf(d.end);
      if (name) {
        await runner.run('ip', ['netns', 'delete', name], { timeoutMs: 20_000 });
        plan.changes.push(`detached ${name}`);
      }
    }
  }
  return { changes: plan.changes, durationMs: Math.round(performance.now() - started) };
}

export interface LinkStatus {
  link: string;
  a: { end: string; netns: string; ifname: string; addr: string; up: boolean | undefined };
  b: { end: string; netns: string; ifname: string; addr: string; up: boolean | undefined };
}

export interface HealthStatus {
  container: string;
  url: string;
  ok: boolean;
  detail: string;
}

export interface LabStatus {
  links: LinkStatus[];
  health: HealthStatus[];
}

export async function labStatus(runner: Runner, lab: Lab, opts: NetnsOptions): Promise<LabStatus> {
  const desired = desiredState(lab);
  const ends = wiredEnds(lab);
  const attached = new Set(
    opts.source === 'named' ? ends.map((e) => `${opts.prefix}${e}`) : await attachedNames(runner, ends, opts.prefix),
  );
  const netnsOf = (end: string) => (end === HOST && opts.source === 'podman' ? undefined : `${opts.prefix}${end}`);
  const reachable = desired.filter((d) => {
    const ns = netnsOf(d.end);
    return ns === undefined || attached.has(ns);
  });
  const observed = await observeAll(runner, reachable, netnsOf).catch(() => new Map());
  const side = (end: string, ifname: string) => {
    const iface = observed.get(end)?.ifaces.get(ifname);
    return { end, netns: netnsOf(end) ?? '(current)', ifname, addr: iface?.addrs.join(',') || '-', up: iface ? iface.up : undefined };
  };
  const links = lab.links.map((l) => ({ link: l.name, a: side(l.a.end, l.a.ifname ?? l.name), b: side(l.b.end, l.b.ifname ?? l.name) }));
  const probes = Object.entries(lab.containers).flatMap(([name, c]) => {
    const url =
      c.health === 'sidecar' ? SIDECAR_HEALTH_URL : typeof c.health === 'object' && 'http' in c.health ? c.health.http : undefined;
    return url ? [{ name, url }] : [];
  });
  const health = await mapLimit(probes, 4, async ({ name, url }): Promise<HealthStatus> => {
    const ns = netnsOf(name);
    if (ns === undefined || !attached.has(ns)) return { container: name, url, ok: false, detail: 'no namespace' };
    try {
      await inNs(runner, ns, 'wget', ['-q', '-O', '/dev/null', '-T', '2', '-t', '1', url]);
      return { container: name, url, ok: true, detail: 'ok' };
    } catch (error) {
      return {
        container: name,
        url,
        ok: false,
        detail: error instanceof ExecError ? `failed (exit ${error.processExitCode ?? '?'})` : 'failed',
      };
    }
  });
  return { links, health };
}

export function formatStatus(status: LabStatus): string {
  const state = (up: boolean | undefined) => (up === undefined ? 'missing' : up ? 'up' : 'down');
  const rows = [['link', 'end a', 'netns a', 'addr a', 'state a', 'end b', 'netns b', 'addr b', 'state b']];
  for (const l of status.links)
    rows.push([l.link, l.a.end, l.a.netns, l.a.addr, state(l.a.up), l.b.end, l.b.netns, l.b.addr, state(l.b.up)]);
  const health = [['container', 'health', 'url']];
  for (const h of status.health) health.push([h.container, h.ok ? 'ok' : h.detail, h.url]);
  return `${table(rows)}\n\n${table(health)}\n`;
}

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
