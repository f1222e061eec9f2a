import { describe, expect, it } from 'vitest';
import { type Peer, type ServerConfig, serverSchema } from './config.js';
import { activePeers, declarationIssues } from './declaration.js';
import { findDrift, findReachDrift, planSync, reachBeforeSync, reachPairs } from './drift.js';
import { type LivePeer, parseDump } from './dump.js';
import { renderRuleset } from './nft-rules.js';
import { type DesiredPeer, desiredPeers, renderClientConfig, renderPeerChanges, renderServerConfig } from './wg-config.js';

const server: ServerConfig = serverSchema.parse({
  address: '10.200.0.1/24',
  endpoint: 'vpn.example.org:51820',
  dns: ['10.200.0.1'],
  destinations: { 'git-ssh': '10.1.1.1', 'zfs-web': '10.1.3.1' },
});
const key = (n: number) => Buffer.alloc(32, n).toString('base64');
const peer = (name: string, address: string, allow: string[], extra: Partial<Peer> = {}): Peer => ({
  name,
  address,
  allow,
  preshared_key: false,
  ...extra,
});
const alice = peer('alice', '10.200.0.2', ['git-ssh'], { preshared_key: true });
const bob = peer('bob', '10.200.0.3', ['git-ssh', 'zfs-web']);
const keysOf = (p: Peer) => ({
  privateKey: key(p.name === 'alice' ? 11 : 12),
  publicKey: key(p.name === 'alice' ? 1 : 2),
  ...(p.preshared_key ? { presharedKey: key(3) } : {}),
});
const desired = desiredPeers(server, [alice, bob], keysOf);

describe('rendering', () => {
  it('renders the server config for wg syncconf with one /32 per peer', () => {
    const text = renderServerConfig(server, key(9), desired);
    expect(text).toBe(
      `[Interface]\nPrivateKey = ${key(9)}\nListenPort = 51820\n\n# alice\n[Peer]\nPublicKey = ${key(1)}\nPresharedKey = ${key(3)}\nAllowedIPs = 10.200.0.2/32\n\n# bob\n[Peer]\nPublicKey = ${key(2)}\nAllowedIPs = 10.200.0.3/32\n`,
    );
  });

  it("renders a client config whose AllowedIPs are the peer's destinations and the edge", () => {
    const text = renderClientConfig(server, key(9), desired[0] as DesiredPeer, key(11));
    expect(text).toContain('Address = 10.200.0.2/32\nDNS = 10.200.0.1\n');
    expect(text).toContain('AllowedIPs = 10.200.0.1/32, 10.1.1.1/32\nEndpoint = vpn.example.org:51820\nPersistentKeepalive = 25\n');
    expect(text).toContain(`PresharedKey = ${key(3)}`);
  });

  it('renders per-peer reach as (source . destination) pairs, everything else from the tunnel dropped', () => {
    const rules = renderRuleset('wg0', desired);
    expect(rules).toMatch(/^table inet wg_agent\ndelete table inet wg_agent\ntable inet wg_agent \{/);
    expect(rules).toContain('elements = { 10.200.0.2 . 10.1.1.1,\n\t\t\t10.200.0.3 . 10.1.1.1,\n\t\t\t10.200.0.3 . 10.1.3.1 }');
    expect(rules).toContain('iifname "wg0" ip saddr . ip daddr @reach accept\n\t\tiifname "wg0" counter drop');
    expect(renderRuleset('wg0', [])).not.toContain('elements');
  });
});

describe('declaration checks and expiry', () => {
  it('refuses addresses outside the subnet, the edge address, duplicates and unknown destinations', () => {
    const issues = declarationIssues(server, [
      peer('a', '10.201.0.2', []),
      peer('b', '10.200.0.1', []),
      peer('c', '10.200.0.5', ['git-web']),
      peer('c', '10.200.0.5', []),
      peer('d', '10.200.0.255', []),
    ]);
    expect(issues.map((i) => `${i.key}: ${i.problem}`)).toEqual([
      'peers.0 (a).address: 10.201.0.2 is not a host of the client subnet 10.200.0.1/24',
      "peers.1 (b).address: 10.200.0.1 is the edge's own address",
      'peers.2 (c).allow: unknown destination git-web',
      'peers.3 (c): the name c is used twice',
      'peers.3 (c).address: 10.200.0.5 is also the address of c',
      'peers.4 (d).address: 10.200.0.255 is not a host of the client subnet 10.200.0.1/24',
    ]);
  });

  it('leaves expired peers out', () => {
    const now = Date.parse('2027-01-01T00:00:00Z');
    const peers = [alice, { ...bob, expires: now }, peer('carol', '10.200.0.4', [], { expires: now + 1 })];
    expect(activePeers(peers, now).map((p) => p.name)).toEqual(['alice', 'carol']);
  });
});

describe('drift', () => {
  const dump = (peers: string[]) => parseDump(`${key(9)}\t${key(8)}\t51820\toff\n${peers.join('\n')}\n`);
  const line = (pub: string, psk: string, ips: string, handshake = 0) => `${pub}\t${psk}\t(none)\t${ips}\t${handshake}\t10\t20\toff`;
  const toLine = (p: LivePeer) => line(p.publicKey, p.presharedKey ?? '(none)', p.allowedIps.join(','));

  it('finds nothing when the interface matches', () => {
    expect(
      findDrift(desired, key(8), 51820, dump([line(key(1), key(3), '10.200.0.2/32'), line(key(2), '(none)', '10.200.0.3/32')])),
    ).toEqual([]);
  });

  it('names missing, changed and undeclared peers without any key', () => {
    const drift = findDrift(
      desired,
      key(8),
      51821,
      dump([line(key(1), '(none)', '10.200.0.9/32'), line(key(5), '(none)', '10.200.0.7/32')]),
    );
    expect(drift).toEqual([
      { kind: 'interface', detail: 'listen port 51820, declared 51821' },
      { kind: 'changed', peer: 'alice', detail: 'allowed ips 10.200.0.9/32, declared 10.200.0.2/32' },
      { kind: 'changed', peer: 'alice', detail: 'preshared key differs' },
      { kind: 'missing', peer: 'bob', detail: 'not on the interface' },
      { kind: 'undeclared', peer: '10.200.0.7/32', detail: 'on the interface, not declared' },
    ]);
    expect(JSON.stringify(drift)).not.toMatch(/[A-Za-z0-9+/]{43}=/);
  });

  it('plans only what differs: equal peers are left alone, the interface lines only when key or port differ', () => {
    const equal = dump([line(key(1), key(3), '10.200.0.2/32'), line(key(2), '(none)', '10.200.0.3/32')]);
    const none = planSync(desired, key(8), 51820, equal);
    expect(none).toEqual({ interface: false, remove: [], upsert: [] });
    expect(renderPeerChanges(server, key(9), none)).toBe('');
    // bob and an undeclared key leave; alice, equal to her declaration, is not in the change at all.
    const removal = planSync(
      [desired[0] as DesiredPeer],
      key(8),
      51820,
      dump([...equal.peers.map(toLine), line(key(5), '(none)', '10.200.0.7/32')]),
    );
    expect(removal).toEqual({ interface: false, remove: [key(2), key(5)], upsert: [] });
    // A fresh interface (no key, another port): everything, with the interface lines.
    const fresh = planSync(desired, key(8), 51820, parseDump('(none)\t(none)\t0\toff\n'));
    expect(fresh).toEqual({ interface: true, remove: [], upsert: desired });
    // alice's allowed ips changed, bob's preshared key taken away: both set again, with "no key" for bob.
    const changed = planSync(desired, key(8), 51820, dump([line(key(1), key(3), '10.200.0.9/32'), line(key(2), key(4), '10.200.0.3/32')]));
    expect(changed).toEqual({ interface: false, remove: [], upsert: desired });
    expect(renderPeerChanges(server, key(9), changed)).toBe(
      `# alice\n[Peer]\nPublicKey = ${key(1)}\nPresharedKey = ${key(3)}\nAllowedIPs = 10.200.0.2/32\n\n# bob\n[Peer]\nPublicKey = ${key(2)}\nPresharedKey = ${key(0)}\nAllowedIPs = 10.200.0.3/32\n`,
    );
    expect(renderPeerChanges(server, key(9), { interface: true, upsert: [] })).toBe(
      `[Interface]\nPrivateKey = ${key(9)}\nListenPort = 51820\n`,
    );
  });

  it('opens reach before the sync except for an address another key still holds', () => {
    const live = dump([line(key(7), '(none)', '10.200.0.3/32'), line(key(1), key(3), '10.200.0.2/32')]);
    expect(reachBeforeSync(desired, live).map((p) => p.name)).toEqual(['alice']);
    expect(reachBeforeSync(desired, undefined).map((p) => p.name)).toEqual(['alice', 'bob']);
  });

  it('parses wg show dump', () => {
    const live = dump([line(key(1), key(3), '10.200.0.2/32,10.9.0.0/24', 1700000000)]);
    expect(live.listenPort).toBe(51820);
    expect(live.peers[0]).toEqual({
      publicKey: key(1),
      presharedKey: key(3),
      allowedIps: ['10.200.0.2/32', '10.9.0.0/24'].sort(),
      latestHandshake: 1700000000,
      rxBytes: 10,
      txBytes: 20,
    });
  });
});

describe('drift of the reach set', () => {
  it('finds a missing table, pairs added by hand and pairs removed by hand', () => {
    const want = reachPairs(desired);
    expect(want).toEqual(['10.200.0.2 . 10.1.1.1', '10.200.0.3 . 10.1.1.1', '10.200.0.3 . 10.1.3.1']);
    expect(findReachDrift(desired, want)).toEqual([]);
    expect(findReachDrift(desired, undefined)).toEqual([{ kind: 'reach', detail: 'the nft table is missing' }]);
    expect(findReachDrift(desired, [...want, '10.200.0.2 . 10.1.3.1'].sort())).toEqual([
      { kind: 'reach', detail: 'pairs not declared: 10.200.0.2 . 10.1.3.1' },
    ]);
    expect(findReachDrift(desired, want.slice(1))).toEqual([{ kind: 'reach', detail: 'pairs missing: 10.200.0.2 . 10.1.1.1' }]);
  });
});
