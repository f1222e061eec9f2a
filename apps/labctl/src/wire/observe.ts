/** What a namespace holds now, parsed from `ip -j` and `nft` output (pure parsers). */

export interface ObservedIface {
  ifname: string;
  up: boolean;
  addrs: string[];
  kind?: string;
}

export interface ObservedNs {
  /** Interfaces by name. */
  ifaces: Map<string, ObservedIface>;
  /** Default route gateway, if any. */
  defaultGateway?: string;
  /** Every route's destination (`default` or a prefix). */
  routes: string[];
  /** Hash of our loaded nft table, undefined when the table is absent. */
  nftHash?: string;
  /** sysctl name to value, for the keys asked for. */
  sysctl: Map<string, string>;
}

interface IpAddrEntry {
  ifname?: string;
  flags?: string[];
  operstate?: string;
  linkinfo?: { info_kind?: string };
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

interface IpRouteEntry {
  dst?: string;
  gateway?: string;
  dev?: string;
}

export function parseIpAddr(json: string): Map<string, ObservedIface> {
  const out = new Map<string, ObservedIface>();
  const entries = JSON.parse(json || '[]') as IpAddrEntry[];
  for (const e of entries) {
    if (!e.ifname) continue;
    out.set(e.ifname, {
      ifname: e.ifname,
      up: (e.flags ?? []).includes('UP'),
      addrs: (e.addr_info ?? []).filter((a) => a.family === 'inet' && a.local).map((a) => `${a.local}/${a.prefixlen}`),
      kind: e.linkinfo?.info_kind,
    });
  }
  return out;
}

export function parseIpRoute(json: string): { routes: string[]; defaultGateway?: string } {
  const entries = JSON.parse(json || '[]') as IpRouteEntry[];
  const routes = entries.map((r) => r.dst ?? '?');
  const def = entries.find((r) => r.dst === 'default');
  return def?.gateway ? { routes, defaultGateway: def.gateway } : { routes };
}

/** `ip -j netconf show`: IPv4 forwarding per interface (and `all` for net.ipv4.ip_forward). */
export function parseNetconf(json: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const e of JSON.parse(json || '[]') as { family?: string; interface?: string; forwarding?: boolean }[]) {
    if (e.family === 'inet' && e.interface && typeof e.forwarding === 'boolean') out.set(e.interface, e.forwarding);
  }
  return out;
}
