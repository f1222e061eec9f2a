import { attachmentsOf, edgeOf, HOST, isEdge, wiredEnds } from '../model.js';
import { allRulesets, NFT_TABLE, nftHash } from '../render/nft.js';
import type { Lab } from '../schema.js';
import type { ObservedNs } from './observe.js';

/** Pure: what `wire up` wants in each namespace, derived from the lab. */
export interface DesiredIface {
  ifname: string;
  addr: string;
  link: string;
  peerEnd: string;
  peerIfname: string;
  /** The end whose namespace creates the pair (end a of the link). */
  creator: boolean;
}

export interface DesiredNs {
  end: string;
  ifaces: DesiredIface[];
  defaultRoute?: { via: string; dev: string };
  /** sysctl keys that must be 1. */
  forwarding: string[];
  ruleset: string;
}

export function desiredState(lab: Lab): DesiredNs[] {
  const rulesets = allRulesets(lab, wiredEnds(lab));
  return wiredEnds(lab).map((end) => {
    const atts = attachmentsOf(lab, end);
    const ifaces = atts.map((att) => ({
      ifname: att.ifname,
      addr: `${att.self.ip}/${att.link.prefix}`,
      link: att.link.name,
      peerEnd: att.peer.end,
      peerIfname: att.peerIfname,
      creator: att.link.a === att.self,
    }));
    let defaultRoute: DesiredNs['defaultRoute'];
    // An edge routes out through the host; a hub container through its edge; the host keeps its own routes.
    const up =
      end === HOST ? undefined : isEdge(lab, end) ? atts.find((a) => a.peer.end === HOST) : atts.find((a) => isEdge(lab, a.peer.end));
    if (up) defaultRoute = { via: up.peer.ip, dev: up.ifname };
    let forwarding: string[] = [];
    if (end === HOST) forwarding = [...atts.map((a) => a.ifname), lab.host.wan_interface].map((i) => `net.ipv4.conf.${i}.forwarding`);
    else if (isEdge(lab, end)) forwarding = ['net.ipv4.ip_forward'];
    return { end, ifaces, ...(defaultRoute ? { defaultRoute } : {}), forwarding, ruleset: rulesets.get(end) ?? '' };
  });
}

/** The commands of one run, grouped so each namespace gets one `ip -batch`, one `sysctl` and one `nft -f`. */
export interface WirePlan {
  /** Human-readable list of what changes; empty when everything is in place. */
  changes: string[];
  /** Per end: `ip -n <ns> -batch` lines that run first (removing half pairs). */
  delLines: Map<string, string[]>;
  /** `ip -batch` lines run in the current namespace (veth pairs are created from here into their namespaces). */
  createLines: string[];
  /** Per end: `ip -n <ns> -batch` lines (delete half pairs, addresses, up, routes). */
  nsLines: Map<string, string[]>;
  /** Per end: `key=value` arguments for sysctl -w. */
  sysctl: Map<string, string[]>;
  /** Per end: nft text to load. */
  nft: Map<string, string>;
}

export function emptyPlan(): WirePlan {
  return { changes: [], delLines: new Map(), createLines: [], nsLines: new Map(), sysctl: new Map(), nft: new Map() };
}

const push = <T>(map: Map<string, T[]>, key: string, ...items: T[]) => map.set(key, [...(map.get(key) ?? []), ...items]);

/**
 * Pure: compares the desired state with what is observed and plans only the missing steps, so a
 * second `up` plans nothing. `netnsOf` names each end's namespace (undefined: the current one).
 */
export function planUp(
  desired: readonly DesiredNs[],
  observed: ReadonlyMap<string, ObservedNs>,
  netnsOf: (end: string) => string | undefined,
): WirePlan {
  const plan = emptyPlan();
  for (const ns of desired) {
    const obs = observed.get(ns.end);
    for (const iface of ns.ifaces) {
      const here = obs?.ifaces.get(iface.ifname);
      const there = observed.get(iface.peerEnd)?.ifaces.get(iface.peerIfname);
      const missing = !here || !there;
      if (iface.creator && missing) {
        // A half pair (one end lost, e.g. a container restarted) is removed and made again.
        if (here) push(plan.delLines, ns.end, `link del ${iface.ifname}`);
        if (there) push(plan.delLines, iface.peerEnd, `link del ${iface.peerIfname}`);
        const a = netnsOf(ns.end);
        const b = netnsOf(iface.peerEnd);
        plan.createLines.push(
          `link add name ${iface.ifname}${a ? ` netns ${a}` : ''} type veth peer name ${iface.peerIfname}${b ? ` netns ${b}` : ''}`,
        );
        plan.changes.push(`create veth pair ${iface.link}: ${ns.end}/${iface.ifname} <-> ${iface.peerEnd}/${iface.peerIfname}`);
      }
      if (missing || !here.addrs.includes(iface.addr) || here.addrs.length !== 1) {
        if (!missing && here.addrs.length > 0) push(plan.nsLines, ns.end, `addr flush dev ${iface.ifname}`);
        push(plan.nsLines, ns.end, `addr add ${iface.addr} dev ${iface.ifname}`);
        plan.changes.push(`address ${iface.addr} on ${ns.end}/${iface.ifname}`);
      }
      if (missing || !here.up) {
        push(plan.nsLines, ns.end, `link set ${iface.ifname} up`);
        if (!missing) plan.changes.push(`set ${ns.end}/${iface.ifname} up`);
      }
    }
    if (ns.defaultRoute) {
      const linkRemade = ns.ifaces.some(
        (i) => i.ifname === ns.defaultRoute?.dev && (!obs?.ifaces.has(i.ifname) || !observed.get(i.peerEnd)?.ifaces.has(i.peerIfname)),
      );
      if (linkRemade || obs?.defaultGateway !== ns.defaultRoute.via) {
        push(plan.nsLines, ns.end, `route replace default via ${ns.defaultRoute.via} dev ${ns.defaultRoute.dev}`);
        plan.changes.push(`default route of ${ns.end} via ${ns.defaultRoute.via}`);
      }
    }
    const wantSysctl = ns.forwarding.filter((key) => {
      const ifname = /^net\.ipv4\.conf\.(.+)\.forwarding$/.exec(key)?.[1];
      // A host interface that does not exist (yet) cannot be switched on; its rule still loads.
      if (ifname && !ns.ifaces.some((i) => i.ifname === ifname) && !obs?.ifaces.has(ifname)) return false;
      const ours = ifname && ns.ifaces.find((i) => i.ifname === ifname);
      const remade = ours && (!obs?.ifaces.has(ours.ifname) || !observed.get(ours.peerEnd)?.ifaces.has(ours.peerIfname));
      return remade || obs?.sysctl.get(key) !== '1';
    });
    if (wantSysctl.length > 0) {
      plan.sysctl.set(
        ns.end,
        wantSysctl.map((k) => `${k}=1`),
      );
      plan.changes.push(`forwarding on in ${ns.end} (${wantSysctl.join(', ')})`);
    }
    if (obs?.nftHash !== nftHash(ns.ruleset)) {
      plan.nft.set(ns.end, ns.ruleset);
      plan.changes.push(`nftables table ${NFT_TABLE} ${obs?.nftHash ? 'replaced' : 'loaded'} in ${ns.end}`);
    }
  }
  return plan;
}

/** Pure: removes every interface and table of ours that is observed; edges get forwarding back off. */
export function planDown(lab: Lab, desired: readonly DesiredNs[], observed: ReadonlyMap<string, ObservedNs>): WirePlan {
  const plan = emptyPlan();
  const deleted = new Set<string>();
  // Delete from the creating end first (the edges hold most links: few `ip` processes), else from the other end.
  for (const creatorPass of [true, false]) {
    for (const ns of desired) {
      const obs = observed.get(ns.end);
      for (const iface of ns.ifaces) {
        if (iface.creator !== creatorPass || deleted.has(iface.link) || !obs?.ifaces.has(iface.ifname)) continue;
        deleted.add(iface.link);
        push(plan.delLines, ns.end, `link del ${iface.ifname}`);
        plan.changes.push(`delete veth pair ${iface.link} (${ns.end}/${iface.ifname})`);
      }
    }
  }
  for (const ns of desired) {
    const obs = observed.get(ns.end);
    if (!obs) continue;
    if (obs.nftHash !== undefined) {
      plan.nft.set(ns.end, `delete table ${NFT_TABLE}\n`);
      plan.changes.push(`nftables table ${NFT_TABLE} deleted in ${ns.end}`);
    }
    if ((ns.end === edgeOf(lab, 'public') || ns.end === edgeOf(lab, 'private')) && obs.sysctl.get('net.ipv4.ip_forward') === '1') {
      plan.sysctl.set(ns.end, ['net.ipv4.ip_forward=0']);
      plan.changes.push(`forwarding off in ${ns.end}`);
    }
  }
  return plan;
}

/**
 * Pure: the desired state limited to the ends that exist (`labctl up` wires each container as soon as
 * it runs): only links whose two ends are present, a default route only over such a link. Rulesets
 * stay those of the whole lab (they match interface names, so they hold before the links exist).
 */
export function restrictDesired(desired: readonly DesiredNs[], present: ReadonlySet<string>): DesiredNs[] {
  return desired
    .filter((ns) => present.has(ns.end))
    .map((ns) => {
      const ifaces = ns.ifaces.filter((i) => present.has(i.peerEnd));
      const { defaultRoute, ...rest } = ns;
      const keepRoute = defaultRoute && ifaces.some((i) => i.ifname === defaultRoute.dev);
      return { ...rest, ifaces, ...(keepRoute ? { defaultRoute } : {}) };
    });
}

/**
 * Pure: only the links of the `focus` containers (they restarted: new namespaces without links), in
 * their own namespaces and their peers'; the peers' other links and routes are not looked at.
 */
export function focusDesired(desired: readonly DesiredNs[], focus: ReadonlySet<string>): DesiredNs[] {
  const touched = new Set(focus);
  for (const ns of desired) if (focus.has(ns.end)) for (const i of ns.ifaces) touched.add(i.peerEnd);
  return desired
    .filter((ns) => touched.has(ns.end))
    .map((ns) => {
      if (focus.has(ns.end)) return ns;
      const ifaces = ns.ifaces.filter((i) => focus.has(i.peerEnd));
      const { defaultRoute, ...rest } = ns;
      const keepRoute = defaultRoute && ifaces.some((i) => i.ifname === defaultRoute.dev);
      // Forwarding on the peer's side of a remade link (the host's per-interface flag); the rest is untouched.
      const forwarding = ns.forwarding.filter((key) => ifaces.some((i) => key === `net.ipv4.conf.${i.ifname}.forwarding`));
      return { ...rest, ifaces, forwarding, ...(keepRoute ? { defaultRoute } : {}) };
    });
}
