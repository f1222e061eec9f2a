import { ifnameProblem, proposeIfName } from './ifname.js';
import { inSubnet, intToIp, ipToInt } from './ipv4.js';
import type { LabIssue } from './issues.js';
import { edgeOf, HOST, type Hub, hubsOf, ifnameOf, isEdge } from './model.js';
import type { Lab } from './schema.js';

/** Pure: every rule of the kernel and of the design that a valid lab obeys. One issue per failure. */
export function checkLab(lab: Lab): LabIssue[] {
  return [
    ...checkContainers(lab),
    ...checkHubs(lab),
    ...checkLinks(lab),
    ...checkAddresses(lab),
    ...checkHubSeparation(lab),
    ...checkPublishing(lab),
  ];
}

function checkContainers(lab: Lab): LabIssue[] {
  const issues: LabIssue[] = [];
  for (const [name, c] of Object.entries(lab.containers)) {
    const entry = `containers.${name}`;
    if (name === HOST) issues.push({ entry, problem: '"host" is reserved for the host end of links', fix: 'rename the container' });
    if (!lab.modules[c.module]) {
      issues.push({
        entry: `${entry}.module`,
        problem: `unknown module "${c.module}"`,
        fix: `use one of ${Object.keys(lab.modules).join(', ')} or add it under modules`,
      });
    }
    for (const dep of c.depends_on) {
      const target = lab.containers[dep];
      if (!target)
        issues.push({ entry: `${entry}.depends_on`, problem: `unknown container "${dep}"`, fix: 'name a container of this lab' });
      else if (dep === name) issues.push({ entry: `${entry}.depends_on`, problem: 'depends on itself', fix: `remove "${dep}"` });
      else if (target.module !== c.module) {
        issues.push({
          entry: `${entry}.depends_on`,
          problem: `"${dep}" is in module ${target.module}, not ${c.module}`,
          fix: 'a compose file is per module: depend only on containers of the same module',
        });
      }
    }
    const targets = [...c.volumes.map((v) => v.target), ...c.binds.map((b) => b.target)];
    const dup = targets.find((t, i) => targets.indexOf(t) !== i);
    if (dup) issues.push({ entry, problem: `two mounts on ${dup}`, fix: 'give each mount its own target' });
  }
  return issues;
}

function checkHubs(lab: Lab): LabIssue[] {
  const issues: LabIssue[] = [];
  for (const hub of ['public', 'private'] as const) {
    const edge = edgeOf(lab, hub);
    const container = lab.containers[edge];
    if (!container)
      issues.push({ entry: `hubs.${hub}.edge`, problem: `unknown container "${edge}"`, fix: 'name the edge container of this hub' });
    else if (container.role !== 'edge')
      issues.push({
        entry: `containers.${edge}.role`,
        problem: `is the ${hub} hub's edge but has role ${container.role}`,
        fix: 'set role: edge',
      });
    else if (!lab.links.some((l) => (l.a.end === HOST && l.b.end === edge) || (l.b.end === HOST && l.a.end === edge))) {
      issues.push({ entry: `hubs.${hub}.edge`, problem: `${edge} has no link to the host`, fix: `add a link between host and ${edge}` });
    }
  }
  if (lab.hubs.public.edge === lab.hubs.private.edge)
    issues.push({ entry: 'hubs', problem: 'both hubs have the same edge', fix: 'one edge per hub' });
  for (const [name, c] of Object.entries(lab.containers)) {
    if (c.role === 'edge' && !isEdge(lab, name))
      issues.push({ entry: `containers.${name}.role`, problem: 'is an edge of no hub', fix: 'set it as a hub edge or use role: service' });
  }
  return issues;
}

function checkLinks(lab: Lab): LabIssue[] {
  const issues: LabIssue[] = [];
  const names = new Set<string>();
  const perNamespace = new Map<string, string>();
  lab.links.forEach((link, i) => {
    const entry = `links.${i} (${link.name})`;
    if (names.has(link.name)) issues.push({ entry, problem: `link name "${link.name}" is used twice`, fix: 'give each link its own name' });
    names.add(link.name);
    const reported = new Set<string>();
    for (const end of [link.a, link.b]) {
      if (end.end !== HOST && !lab.containers[end.end]) {
        issues.push({ entry, problem: `unknown end "${end.end}"`, fix: `name a container of this lab or "host"` });
      }
      const ifname = ifnameOf(link, end);
      const problem = ifnameProblem(ifname);
      if (problem && !reported.has(ifname)) {
        reported.add(ifname);
        const where = ifnameOf(link, link.a) === ifnameOf(link, link.b) ? 'both ends' : `end ${end === link.a ? 'a' : 'b'}: ${end.end}`;
        const proposal = proposeIfName(ifname);
        issues.push({
          entry,
          problem: `${problem} (${where})`,
          fix: `rename it "${proposal}" (scheme: p-<container> on the public hub, v-<container> on the private hub, shortened parts for direct links)`,
        });
      }
      const key = `${end.end}/${ifname}`;
      const other = perNamespace.get(key);
      if (other !== undefined && other !== link.name) {
        issues.push({
          entry,
          problem: `interface "${ifname}" already exists in ${end.end}'s namespace (link ${other})`,
          fix: 'set a distinct ifname for this end',
        });
      }
      perNamespace.set(key, link.name);
    }
    if (link.a.end === link.b.end)
      issues.push({ entry, problem: `both ends are ${link.a.end}`, fix: 'a link joins two different namespaces' });
  });
  return issues;
}

function checkAddresses(lab: Lab): LabIssue[] {
  const issues: LabIssue[] = [];
  const seenIp = new Map<string, string>();
  lab.links.forEach((link, i) => {
    const entry = `links.${i} (${link.name})`;
    if (link.prefix !== 31) {
      issues.push({
        entry,
        problem: `prefix /${link.prefix}: every link is a point-to-point pair of one /31 (RFC 3021), no network or broadcast address`,
        fix: 'use prefix: 31',
      });
    }
    const a = ipToInt(link.a.ip);
    const b = ipToInt(link.b.ip);
    if (a % 2 !== 0 || b !== a + 1) {
      const base = a - (a % 2);
      issues.push({
        entry,
        problem: `${link.a.ip} and ${link.b.ip} are not the even and the odd address of one /31 (end a even, end b odd)`,
        fix: `use a: ${intToIp(base)} and b: ${intToIp(base + 1)}`,
      });
    }
    // One issue per link: reusing a /31 repeats both of its addresses.
    const dups = [link.a, link.b].flatMap((end) => {
      const other = seenIp.get(end.ip);
      return other ? [`${end.ip} (already used by ${other})`] : [];
    });
    if (dups.length > 0)
      issues.push({ entry, problem: `address${dups.length > 1 ? 'es' : ''} ${dups.join(' and ')}`, fix: 'give every link its own /31' });
    for (const end of [link.a, link.b]) if (!seenIp.has(end.ip)) seenIp.set(end.ip, `link ${link.name}, end ${end.end}`);
    for (const end of [link.a, link.b]) {
      if (inSubnet(end.ip, lab.vpn.client_subnet)) {
        issues.push({
          entry,
          problem: `address ${end.ip} lies in the VPN client subnet ${lab.vpn.client_subnet}`,
          fix: 'move the link or the VPN subnet',
        });
      }
    }
  });
  return issues;
}

/** The dual-hub rule: nothing joins the public and the private hub unless declared in cross_hub_links. */
function checkHubSeparation(lab: Lab): LabIssue[] {
  const issues: LabIssue[] = [];
  const declared = new Set(lab.cross_hub_links);
  for (const name of Object.keys(lab.containers)) {
    if (isEdge(lab, name)) continue;
    const hubs = hubsOf(lab, name);
    if (hubs.length > 1) {
      issues.push({
        entry: `containers.${name}`,
        problem: 'is linked to both the public and the private edge',
        fix: 'link it to one hub only (use a unix socket on a shared volume to cross hubs, as mc-rcon does)',
      });
    }
  }
  lab.links.forEach((link, i) => {
    if (link.a.end === HOST || link.b.end === HOST) return;
    const ha = hubOfEnd(lab, link.a.end);
    const hb = hubOfEnd(lab, link.b.end);
    if (ha && hb && ha !== hb && !declared.has(link.name)) {
      issues.push({
        entry: `links.${i} (${link.name})`,
        problem: `joins the ${ha} hub (${link.a.end}) and the ${hb} hub (${link.b.end}) and is not declared`,
        fix: `remove the link, or add "${link.name}" to cross_hub_links if it is intended`,
      });
    }
  });
  for (const name of declared) {
    if (!lab.links.some((l) => l.name === name))
      issues.push({ entry: 'cross_hub_links', problem: `unknown link "${name}"`, fix: 'name a declared link' });
  }
  return issues;
}

function hubOfEnd(lab: Lab, end: string): Hub | undefined {
  if (end === lab.hubs.public.edge) return 'public';
  if (end === lab.hubs.private.edge) return 'private';
  const hubs = hubsOf(lab, end);
  return hubs.length === 1 ? hubs[0] : undefined;
}

function checkPublishing(lab: Lab): LabIssue[] {
  const issues: LabIssue[] = [];
  const publishedTcp = Object.values(lab.containers).flatMap((c) => c.publish.filter((p) => p.proto === 'tcp').map((p) => p.port));
  for (const port of lab.host.allowlist_tcp_ports) {
    if (!publishedTcp.includes(port))
      issues.push({
        entry: 'host.allowlist_tcp_ports',
        problem: `${port} is not a published TCP port`,
        fix: "list only ports under a container's publish",
      });
  }
  const hosts = new Map<string, string>();
  const published = new Map<string, string>();
  for (const [name, c] of Object.entries(lab.containers)) {
    const isPublic = hubsOf(lab, name).includes('public') && !isEdge(lab, name);
    if ((c.site || c.publish.length > 0) && !isPublic) {
      issues.push({
        entry: `containers.${name}`,
        problem: 'has a site or published port but no link to the public edge',
        fix: `link it to ${lab.hubs.public.edge} or remove site/publish`,
      });
    }
    if (c.site) {
      const other = hosts.get(c.site.host);
      if (other)
        issues.push({
          entry: `containers.${name}.site.host`,
          problem: `${c.site.host} is already served by ${other}`,
          fix: 'one site per host name',
        });
      hosts.set(c.site.host, name);
    }
    for (const p of c.publish) {
      const key = `${p.proto}/${p.port}`;
      const clash =
        published.get(key) ??
        (p.proto === 'tcp' && lab.proxy.ports.includes(p.port) ? 'the reverse proxy' : undefined) ??
        (p.proto === 'udp' && p.port === lab.vpn.port ? 'the VPN' : undefined);
      if (clash)
        issues.push({
          entry: `containers.${name}.publish`,
          problem: `${key} is already published by ${clash}`,
          fix: 'publish each port once',
        });
      published.set(key, name);
    }
  }
  return issues;
}
