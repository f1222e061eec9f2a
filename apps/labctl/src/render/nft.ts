import { createHash } from 'node:crypto';
import { type Attachment, attachmentsOf, edgeOf, HOST, isEdge } from '../model.js';
import type { Lab, Service } from '../schema.js';

/**
 * The packet mark edge-guard (apps/edge-guard, its own table `inet edge_guard`) sets on connections
 * from the addresses its DDNS allowlist admits. Sets cannot be shared between tables, so the host
 * forwards an allowlisted port only with this mark: without edge-guard the port fails closed.
 */
export const EDGE_GUARD_ADMIT_MARK = '0x00100000';

/** Every ruleset lives in one table of ours, so loading and removing it never touches other tables. */
export const NFT_TABLE = 'inet labctl';

const q = (name: string) => JSON.stringify(name);
const set = (items: readonly (string | number)[]) => (items.length === 1 ? String(items[0]) : `{ ${items.join(', ')} }`);
const ifset = (names: readonly string[]) => set(names.map(q));

/**
 * Wraps chains into a file that replaces our table atomically (`nft -f` runs it as one
 * transaction: create-if-missing, delete, recreate) and carries a hash of its body, so `wire up`
 * can tell whether the loaded table is already this one. Rules match `iifname`/`oifname`, so the
 * file loads before the interfaces exist.
 */
export function nftFile(title: string, chains: string[]): string {
  const body = chains.join('\n\n');
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return [
    '#!/usr/sbin/nft -f',
    `# ${title}`,
    '# Rendered by labctl from lab/lab.yaml: do not edit.',
    `table ${NFT_TABLE}`,
    `delete table ${NFT_TABLE}`,
    `table ${NFT_TABLE} {`,
    `\tcomment ${q(`labctl ${hash}`)}`,
    '',
    body,
    '}',
    '',
  ].join('\n');
}

/** The hash `nftFile` embedded, to compare with a loaded table's comment. */
export function nftHash(text: string): string | undefined {
  return /comment "labctl ([0-9a-f]+)"/.exec(text)?.[1];
}

const chain = (name: string, hook: string, policy: 'accept' | 'drop', rules: string[], type = 'filter', priority = 'filter') =>
  [
    `\tchain ${name} {`,
    `\t\ttype ${type} hook ${hook} priority ${priority}; policy ${policy};`,
    ...rules.map((r) => `\t\t${r}`),
    '\t}',
  ].join('\n');

const baseInput = (links: readonly string[]) => [
  'iif "lo" accept',
  'ct state established,related accept',
  'ct state invalid drop',
  ...(links.length > 0 ? [`iifname ${ifset(links)} icmp type echo-request accept`] : []),
];

const ports = (services: readonly Service[], proto: 'tcp' | 'udp') => services.filter((s) => s.proto === proto).map((s) => s.port);

/** The host: policy drop; forwards only between the WAN side and the two edges; DNAT to the edges. */
export function hostRuleset(lab: Lab): string {
  const wan = q(lab.host.wan_interface);
  const pub = linkTo(lab, HOST, edgeOf(lab, 'public'));
  const pri = linkTo(lab, HOST, edgeOf(lab, 'private'));
  const links = attachmentsOf(lab, HOST).map((a) => a.ifname);
  const allowlisted = lab.host.allowlist_tcp_ports;
  const tcp = [...lab.proxy.ports, ...published(lab, 'tcp')];
  const openTcp = tcp.filter((p) => !allowlisted.includes(p));
  const pubUdp = published(lab, 'udp');
  const udp = [lab.vpn.port];
  const input = baseInput(links);
  if (lab.host.admin_tcp_ports.length > 0) input.push(`iifname ${wan} tcp dport ${set(lab.host.admin_tcp_ports)} accept`);
  const forward = [
    'ct state established,related accept',
    'ct state invalid drop',
    `iifname ${wan} oifname ${q(pub.ifname)} ip daddr ${pub.peer.ip} tcp dport ${set(openTcp)} ct status dnat accept`,
    ...(allowlisted.length > 0
      ? [
          '# only from the addresses edge-guard admits (its DDNS allowlist marks them before the DNAT)',
          `iifname ${wan} oifname ${q(pub.ifname)} ip daddr ${pub.peer.ip} tcp dport ${set(allowlisted)} meta mark & ${EDGE_GUARD_ADMIT_MARK} == ${EDGE_GUARD_ADMIT_MARK} ct status dnat accept`,
        ]
      : []),
    ...(pubUdp.length > 0
      ? [`iifname ${wan} oifname ${q(pub.ifname)} ip daddr ${pub.peer.ip} udp dport ${set(pubUdp)} ct status dnat accept`]
      : []),
    `iifname ${wan} oifname ${q(pri.ifname)} ip daddr ${pri.peer.ip} udp dport ${set(udp)} ct status dnat accept`,
    '# the reverse proxy may reach the internet (ACME certificates); nothing else leaves an edge',
    `iifname ${q(pub.ifname)} oifname ${wan} accept`,
  ];
  return nftFile('host: the silent switchboard', [
    chain('input', 'input', 'drop', input),
    chain('forward', 'forward', 'drop', forward),
    chain('output', 'output', 'accept', []),
    chain(
      'prerouting',
      'prerouting',
      'accept',
      [
        `iifname ${wan} fib daddr type local tcp dport ${set(tcp)} dnat ip to ${pub.peer.ip}`,
        ...(pubUdp.length > 0 ? [`iifname ${wan} fib daddr type local udp dport ${set(pubUdp)} dnat ip to ${pub.peer.ip}`] : []),
        `iifname ${wan} fib daddr type local udp dport ${set(udp)} dnat ip to ${pri.peer.ip}`,
      ],
      'nat',
      'dstnat',
    ),
    chain('postrouting', 'postrouting', 'accept', [`oifname ${wan} ip saddr ${pub.peer.ip} masquerade`], 'nat', 'srcnat'),
  ]);
}

/** rproxy-edge: Caddy on the proxy ports, DNAT of published TCP ports, no forwarding between containers. */
export function publicEdgeRuleset(lab: Lab): string {
  const edge = edgeOf(lab, 'public');
  const up = linkTo(lab, edge, HOST);
  const links = attachmentsOf(lab, edge).map((a) => a.ifname);
  const forward = ['ct state established,related accept', 'ct state invalid drop'];
  const nat: string[] = [];
  for (const att of attachmentsOf(lab, edge)) {
    const c = lab.containers[att.peer.end];
    if (!c) continue;
    for (const p of c.publish) {
      forward.push(
        `iifname ${q(up.ifname)} oifname ${q(att.ifname)} ip daddr ${att.peer.ip} ${p.proto} dport ${p.port} ct status dnat accept`,
      );
      nat.push(`iifname ${q(up.ifname)} ${p.proto} dport ${p.port} dnat ip to ${att.peer.ip}`);
    }
  }
  forward.push('# nothing else: public containers never reach each other, the host side or the private hub');
  return nftFile(`${edge}: the public edge`, [
    chain('input', 'input', 'drop', [...baseInput(links), `iifname ${q(up.ifname)} tcp dport ${set(lab.proxy.ports)} accept`]),
    chain('forward', 'forward', 'drop', forward),
    chain('output', 'output', 'accept', []),
    chain('prerouting', 'prerouting', 'accept', nat, 'nat', 'dstnat'),
  ]);
}

/** vpn-edge: WireGuard on the host link; VPN clients to private containers only, never container to container. */
export function privateEdgeRuleset(lab: Lab): string {
  const edge = edgeOf(lab, 'private');
  const up = linkTo(lab, edge, HOST);
  const down = attachmentsOf(lab, edge).filter((a) => a.peer.end !== HOST);
  const wg = q(lab.vpn.interface);
  const links = [...attachmentsOf(lab, edge).map((a) => a.ifname), lab.vpn.interface];
  const forward = ['ct state established,related accept', 'ct state invalid drop'];
  if (down.length > 0) {
    forward.push(`iifname ${wg} ip saddr ${lab.vpn.client_subnet} oifname ${ifset(down.map((a) => a.ifname))} accept`);
  }
  forward.push('# nothing else: one private container never reaches another through the edge, nor the host side');
  return nftFile(`${edge}: the private edge`, [
    chain('input', 'input', 'drop', [...baseInput(links), `iifname ${q(up.ifname)} udp dport ${lab.vpn.port} accept`]),
    chain('forward', 'forward', 'drop', forward),
    chain('output', 'output', 'accept', []),
  ]);
}

/** A service container: accepts its declared ports on its links, forwards nothing. */
export function containerRuleset(lab: Lab, name: string): string {
  const c = lab.containers[name];
  const atts = attachmentsOf(lab, name);
  const input = baseInput(atts.map((a) => a.ifname));
  const tcp = ports(c?.services ?? [], 'tcp');
  const udp = ports(c?.services ?? [], 'udp');
  const links = atts.map((a) => a.ifname);
  if (links.length > 0 && tcp.length > 0) input.push(`iifname ${ifset(links)} tcp dport ${set(tcp)} accept`);
  if (links.length > 0 && udp.length > 0) input.push(`iifname ${ifset(links)} udp dport ${set(udp)} accept`);
  return nftFile(`${name}: a ${atts.some((a) => isEdge(lab, a.peer.end)) ? 'hub' : 'direct-link'} container`, [
    chain('input', 'input', 'drop', input),
    chain('forward', 'forward', 'drop', []),
    chain('output', 'output', 'accept', []),
  ]);
}

/** The ruleset for every wired namespace, keyed by end name. */
export function allRulesets(lab: Lab, ends: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const end of ends) {
    if (end === HOST) out.set(end, hostRuleset(lab));
    else if (end === edgeOf(lab, 'public')) out.set(end, publicEdgeRuleset(lab));
    else if (end === edgeOf(lab, 'private')) out.set(end, privateEdgeRuleset(lab));
    else out.set(end, containerRuleset(lab, end));
  }
  return out;
}

function published(lab: Lab, proto: 'tcp' | 'udp'): number[] {
  return Object.values(lab.containers).flatMap((c) => ports(c.publish, proto));
}

function linkTo(lab: Lab, from: string, to: string): Attachment {
  const att = attachmentsOf(lab, from).find((a) => a.peer.end === to);
  if (!att) throw new Error(`no link between ${from} and ${to}`);
  return att;
}
