import { describe, expect, it } from 'vitest';
import { nftHash } from '../render/nft.js';
import { loadLab } from '../test-support.js';
import type { ObservedNs } from './observe.js';
import { type DesiredNs, desiredState, focusDesired, planDown, planUp, restrictDesired } from './plan.js';

const lab = loadLab();
const desired = desiredState(lab);
const netnsOf = (end: string) => `x-${end}`;

/** What a namespace looks like after a complete `wire up`. */
function wired(d: DesiredNs): ObservedNs {
  const ifaces = new Map(d.ifaces.map((i) => [i.ifname, { ifname: i.ifname, up: true, addrs: [i.addr], kind: 'veth' }]));
  const sysctl = new Map(d.forwarding.map((k) => [k, '1']));
  return { ifaces, routes: [], ...(d.defaultRoute ? { defaultGateway: d.defaultRoute.via } : {}), nftHash: nftHash(d.ruleset), sysctl };
}

describe('desiredState', () => {
  it('routes hub containers through their edge, edges through the host, and forwards only in the edges and the host', () => {
    const byEnd = new Map(desired.map((d) => [d.end, d]));
    expect(byEnd.get('lbmt-darkroom')?.defaultRoute).toEqual({ via: '172.16.1.0', dev: 'p-lbmt-darkroom' });
    expect(byEnd.get('navid-web')?.defaultRoute).toEqual({ via: '10.1.6.0', dev: 'v-navid-web' });
    expect(byEnd.get('rproxy-edge')?.defaultRoute).toEqual({ via: '192.168.100.0', dev: 'host-pub' });
    expect(byEnd.get('host')?.defaultRoute).toBeUndefined();
    expect(byEnd.get('rproxy-edge')?.forwarding).toEqual(['net.ipv4.ip_forward']);
    expect(byEnd.get('host')?.forwarding).toEqual([
      'net.ipv4.conf.host-pub.forwarding',
      'net.ipv4.conf.host-pri.forwarding',
      'net.ipv4.conf.eth0.forwarding',
    ]);
    expect(byEnd.get('mc-server')?.forwarding).toEqual([]);
    expect(desired.map((d) => d.end)).not.toContain('mc-backup');
  });
});

describe('planUp', () => {
  it('creates every pair once, from end a, straight into both namespaces', () => {
    const plan = planUp(desired, new Map(), netnsOf);
    expect(plan.createLines).toHaveLength(lab.links.length);
    expect(plan.createLines).toContain(
      'link add name p-lbmt-darkroom netns x-rproxy-edge type veth peer name p-lbmt-darkroom netns x-lbmt-darkroom',
    );
    expect(plan.nsLines.get('lbmt-darkroom')).toEqual([
      'addr add 172.16.1.1/31 dev p-lbmt-darkroom',
      'link set p-lbmt-darkroom up',
      'route replace default via 172.16.1.0 dev p-lbmt-darkroom',
    ]);
    expect(plan.nft.size).toBe(desired.length);
    expect(plan.sysctl.get('vpn-edge')).toEqual(['net.ipv4.ip_forward=1']);
  });

  it('creates host pairs in the current namespace when the host has no netns name', () => {
    const plan = planUp(desired, new Map(), (end) => (end === 'host' ? undefined : `x-${end}`));
    expect(plan.createLines).toContain('link add name host-pub type veth peer name host-pub netns x-rproxy-edge');
  });

  it('plans nothing when everything is in place', () => {
    const observed = new Map(desired.map((d) => [d.end, wired(d)]));
    const plan = planUp(desired, observed, netnsOf);
    expect(plan.changes).toEqual([]);
    expect(plan.createLines).toEqual([]);
    expect(plan.nsLines.size + plan.sysctl.size + plan.nft.size + plan.delLines.size).toBe(0);
  });

  it('remakes a half pair (one container restarted) and reloads a changed ruleset', () => {
    const observed = new Map(desired.map((d) => [d.end, wired(d)]));
    observed.get('mc-map')?.ifaces.delete('p-mc-map');
    const edge = observed.get('rproxy-edge') as ObservedNs;
    observed.set('rproxy-edge', { ...edge, nftHash: 'stale' });
    const plan = planUp(desired, observed, netnsOf);
    expect(plan.delLines.get('rproxy-edge')).toEqual(['link del p-mc-map']);
    expect(plan.createLines).toEqual(['link add name p-mc-map netns x-rproxy-edge type veth peer name p-mc-map netns x-mc-map']);
    expect(plan.nsLines.get('rproxy-edge')).toEqual(['addr add 172.16.6.0/31 dev p-mc-map', 'link set p-mc-map up']);
    expect(plan.nsLines.get('mc-map')).toContain('route replace default via 172.16.6.0 dev p-mc-map');
    expect([...plan.nft.keys()]).toEqual(['rproxy-edge']);
  });

  it('replaces a wrong address', () => {
    const observed = new Map(desired.map((d) => [d.end, wired(d)]));
    observed.get('git-ssh')?.ifaces.set('v-git-ssh', { ifname: 'v-git-ssh', up: true, addrs: ['10.9.9.9/31'] });
    const plan = planUp(desired, observed, netnsOf);
    expect(plan.nsLines.get('git-ssh')).toEqual(['addr flush dev v-git-ssh', 'addr add 10.1.1.1/31 dev v-git-ssh']);
  });
});

describe('planDown', () => {
  it('deletes each pair once, our tables, and turns forwarding off in the edges', () => {
    const observed = new Map(desired.map((d) => [d.end, wired(d)]));
    const plan = planDown(lab, desired, observed);
    const deletions = [...plan.delLines.values()].flat();
    expect(deletions).toHaveLength(lab.links.length);
    expect(plan.nft.get('host')).toBe('delete table inet labctl\n');
    expect(plan.sysctl.get('rproxy-edge')).toEqual(['net.ipv4.ip_forward=0']);
    expect(plan.sysctl.has('host')).toBe(false);
  });

  it('has nothing to do on a clean lab', () => {
    const observed = new Map(desired.map((d) => [d.end, { ifaces: new Map(), routes: [], sysctl: new Map() }]));
    expect(planDown(lab, desired, observed).changes).toEqual([]);
  });
});

describe('restrictDesired / focusDesired', () => {
  const all = desiredState(loadLab());

  it('restricts to running ends: only links with both ends present, a default route only over such a link', () => {
    const some = restrictDesired(all, new Set(['host', 'git-web', 'mc-map']));
    expect(some.map((d) => d.end).sort()).toEqual(['git-web', 'host', 'mc-map']);
    for (const d of some) {
      expect(d.ifaces).toEqual([]);
      expect(d.defaultRoute).toBeUndefined();
      expect(d.ruleset).toBe(all.find((x) => x.end === d.end)?.ruleset);
    }
  });

  it('focuses on a restarted container: its namespace whole, in its peers only the links to it', () => {
    const focused = focusDesired(all, new Set(['git-web']));
    expect(focused.map((d) => d.end).sort()).toEqual(['git-web', 'rproxy-edge']);
    const edge = focused.find((d) => d.end === 'rproxy-edge');
    expect(edge?.ifaces.map((i) => i.ifname)).toEqual(['p-git-web']);
    expect(edge?.forwarding).toEqual([]);
    expect(edge?.defaultRoute).toBeUndefined();
    expect(focused.find((d) => d.end === 'git-web')).toEqual(all.find((d) => d.end === 'git-web'));
    const host = focusDesired(all, new Set(['rproxy-edge'])).find((d) => d.end === 'host');
    expect(host?.ifaces.map((i) => i.ifname)).toEqual(['host-pub']);
    expect(host?.forwarding).toEqual(['net.ipv4.conf.host-pub.forwarding']);
  });
});
