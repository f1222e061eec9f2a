import { describe, expect, it } from 'vitest';
import { loadLab } from './test-support.js';
import { checkVpnPeers } from './vpn-peers.js';

const lab = loadLab();
const check = (peers: string) => checkVpnPeers(lab, peers, 'peers.yaml');

describe('labctl check of the VPN peers file', () => {
  it('accepts hosts of the client subnet with destinations linked to vpn-edge', () => {
    expect(check('peers:\n  - { name: a, address: 10.200.0.2, allow: [git-ssh] }\n  - { name: b, address: 10.200.0.254 }\n')).toEqual([]);
  });

  it.each([
    ['outside the client subnet', '10.201.0.2', /outside the VPN client subnet 10\.200\.0\.0\/24/],
    ['on a link', '10.1.1.1', /overlaps link v-git-ssh/],
    ['inside a link /31', '192.168.101.0', /overlaps link host-pri/],
    ['the network address', '10.200.0.0', /network or broadcast/],
    ['the broadcast address', '10.200.0.255', /network or broadcast/],
    ["the edge's own", '10.200.0.1', /vpn-edge's own tunnel address/],
    ['not an address', '10.200.0.2\ninjected', /is not an IPv4 address/],
  ])('refuses an address %s, naming the peer', (_what, address, problem) => {
    const issues = check(`peers:\n  - name: x\n    address: ${JSON.stringify(address)}\n`);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.entry).toBe('peers.yaml: peers.0 (x)');
    expect(issues[0]?.problem).toMatch(problem);
  });

  it('refuses an address used twice and a destination not linked to vpn-edge', () => {
    const issues = check('peers:\n  - { name: a, address: 10.200.0.2 }\n  - { name: b, address: 10.200.0.2, allow: [git-web] }\n');
    expect(issues.map((i) => i.problem)).toEqual([
      'address 10.200.0.2 is also the address of a',
      'allows "git-web", not a container linked to vpn-edge',
    ]);
  });

  it('names a file that is not YAML', () => {
    expect(check('peers: [')[0]?.problem).toMatch(/is not valid YAML/);
  });
});
