import { parse } from 'yaml';
import { z } from 'zod';
import { inSubnet, intToIp, ipToInt, networkOf } from './ipv4.js';
import type { LabIssue } from './issues.js';
import { vpnDestinations, vpnServerAddress } from './render/wg-agent.js';
import type { Lab } from './schema.js';

/** What `labctl check` reads of wg-agent's peers file; wg-agent itself validates the rest. */
const peersSchema = z.looseObject({
  peers: z.array(z.looseObject({ name: z.string(), address: z.string(), allow: z.array(z.string()).default([]) })).default([]),
});

const DOTTED = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Pure: the peers file against the lab. Every peer address is a host of the VPN client subnet (not
 * its network or broadcast address, not the edge's own), overlaps no link, and is used once; every
 * allowed destination is a container linked to vpn-edge.
 */
export function checkVpnPeers(lab: Lab, text: string, source: string): LabIssue[] {
  let raw: unknown;
  try {
    raw = parse(text, { uniqueKeys: true });
  } catch (error) {
    return [{ entry: source, problem: `is not valid YAML: ${(error as Error).message.split('\n')[0]}` }];
  }
  const parsed = peersSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    return parsed.error.issues.map((i) => ({ entry: `${source}: ${i.path.join('.') || '(root)'}`, problem: i.message }));
  }
  const issues: LabIssue[] = [];
  const subnet = lab.vpn.client_subnet;
  const [net = '', bits = '24'] = subnet.split('/');
  const size = 2 ** (32 - Number(bits));
  const first = ipToInt(networkOf(net, Number(bits)));
  const own = vpnServerAddress(lab).split('/')[0];
  const destinations = vpnDestinations(lab);
  const seen = new Map<string, string>();
  parsed.data.peers.forEach((peer, index) => {
    const entry = `${source}: peers.${index} (${peer.name})`;
    const address = peer.address;
    if (!DOTTED.test(address)) {
      issues.push({ entry, problem: `address "${address}" is not an IPv4 address`, fix: `use a host of ${subnet}` });
      return;
    }
    const link = lab.links.find((l) => [l.a.ip, l.b.ip].some((ip) => inSubnet(address, `${ip}/${l.prefix}`)));
    if (link) issues.push({ entry, problem: `address ${address} overlaps link ${link.name}`, fix: `use a host of ${subnet}` });
    else if (!inSubnet(address, subnet))
      issues.push({ entry, problem: `address ${address} lies outside the VPN client subnet ${subnet}`, fix: `use a host of ${subnet}` });
    else if (ipToInt(address) === first || ipToInt(address) === first + size - 1)
      issues.push({ entry, problem: `address ${address} is the network or broadcast address of ${subnet}`, fix: 'use a host address' });
    else if (address === own)
      issues.push({ entry, problem: `address ${address} is vpn-edge's own tunnel address`, fix: `use ${intToIp(first + 2)} or later` });
    const other = seen.get(address);
    if (other) issues.push({ entry, problem: `address ${address} is also the address of ${other}`, fix: 'give each peer its own address' });
    seen.set(address, peer.name);
    for (const name of peer.allow) {
      if (!(name in destinations))
        issues.push({
          entry,
          problem: `allows "${name}", not a container linked to vpn-edge`,
          fix: `use ${Object.keys(destinations).join(', ')}`,
        });
    }
  });
  return issues;
}
