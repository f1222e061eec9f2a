import type { ConfigIssue } from '@homelab/core';
import type { Peer, ServerConfig } from './config.js';
import { ipv4ToInt, isHostOf, parseCidr } from './grammar.js';

/**
 * Pure checks across the two files: each peer's address is a host of the client subnet (not the
 * edge's own), names and addresses are unique, and every allowed destination is declared.
 */
export function declarationIssues(server: ServerConfig, peers: readonly Peer[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const subnet = parseCidr(server.address);
  const own = subnet?.address;
  const names = new Set<string>();
  const addresses = new Map<number, string>();
  peers.forEach((peer, index) => {
    const key = `peers.${index} (${peer.name})`;
    if (names.has(peer.name)) issues.push({ key, problem: `the name ${peer.name} is used twice` });
    names.add(peer.name);
    if (subnet && !isHostOf(peer.address, subnet))
      issues.push({ key: `${key}.address`, problem: `${peer.address} is not a host of the client subnet ${server.address}` });
    if (peer.address === own) issues.push({ key: `${key}.address`, problem: `${peer.address} is the edge's own address` });
    const other = addresses.get(ipv4ToInt(peer.address));
    if (other) issues.push({ key: `${key}.address`, problem: `${peer.address} is also the address of ${other}` });
    addresses.set(ipv4ToInt(peer.address), peer.name);
    for (const destination of peer.allow) {
      if (!(destination in server.destinations))
        issues.push({
          key: `${key}.allow`,
          problem: `unknown destination ${destination}`,
          expected: `one of ${Object.keys(server.destinations).sort().join(', ') || '(none declared)'}`,
        });
    }
  });
  return issues;
}

/** The peers in force at `now`: expired ones are left out (and so removed from the interface). */
export function activePeers(peers: readonly Peer[], now: number): Peer[] {
  return peers.filter((peer) => peer.expires === undefined || peer.expires > now);
}
