import type { Lab, Link, LinkEnd } from './schema.js';

export const HOST = 'host';
export type Hub = 'public' | 'private';

/** The interface name of one end of a link in that end's namespace. */
export function ifnameOf(link: Link, end: LinkEnd): string {
  return end.ifname ?? link.name;
}

export function edgeOf(lab: Lab, hub: Hub): string {
  return lab.hubs[hub].edge;
}

export function isEdge(lab: Lab, name: string): boolean {
  return name === lab.hubs.public.edge || name === lab.hubs.private.edge;
}

/** The hubs a container is linked into (through a link to that hub's edge). */
export function hubsOf(lab: Lab, container: string): Hub[] {
  const hubs = new Set<Hub>();
  for (const hub of ['public', 'private'] as const) {
    const edge = edgeOf(lab, hub);
    if (container === edge) hubs.add(hub);
    for (const link of lab.links) {
      if ((link.a.end === edge && link.b.end === container) || (link.b.end === edge && link.a.end === container)) hubs.add(hub);
    }
  }
  return [...hubs];
}

/** Every end of every link in one namespace, with its own and its peer's side. */
export interface Attachment {
  link: Link;
  self: LinkEnd;
  peer: LinkEnd;
  ifname: string;
  peerIfname: string;
}

export function attachmentsOf(lab: Lab, endName: string): Attachment[] {
  const out: Attachment[] = [];
  for (const link of lab.links) {
    if (link.a.end === endName)
      out.push({ link, self: link.a, peer: link.b, ifname: ifnameOf(link, link.a), peerIfname: ifnameOf(link, link.b) });
    if (link.b.end === endName)
      out.push({ link, self: link.b, peer: link.a, ifname: ifnameOf(link, link.b), peerIfname: ifnameOf(link, link.a) });
  }
  return out;
}

/** The link between two ends, if any. */
export function linkBetween(lab: Lab, x: string, y: string): Attachment | undefined {
  return attachmentsOf(lab, x).find((att) => att.peer.end === y);
}

/**
 * Every namespace the lab wires: the host first, then each container with at least one link by name.
 * Names are lowercase letters, digits and dashes (the schema), whose code-unit order is the order
 * localeCompare gives them; localeCompare would load ICU's collator, about 3 MiB that `labctl run`
 * keeps for good.
 */
export function wiredEnds(lab: Lab): string[] {
  const ends = new Set<string>();
  for (const link of lab.links) {
    ends.add(link.a.end);
    ends.add(link.b.end);
  }
  return [...ends].sort((x, y) => (x === HOST ? -1 : y === HOST ? 1 : x < y ? -1 : x > y ? 1 : 0));
}

export function imageOf(lab: Lab, container: string): string {
  return lab.containers[container]?.image ?? `localhost/homelab/${container}:${lab.version}`;
}
