import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePodmanInspect } from './netns.js';
import { parseIpAddr, parseIpRoute, parseNetconf } from './observe.js';

describe('parsePodmanInspect', () => {
  it('maps running containers to their PIDs and skips stopped ones (output recorded from podman 4.3 here)', () => {
    const json = readFileSync(new URL('../../test/fixtures/podman-inspect.json', import.meta.url), 'utf8');
    expect([...parsePodmanInspect(json)]).toEqual([['l8rec-rproxy-edge', 3089]]);
  });
});

describe('observation parsers', () => {
  it('reads ip -j addr and route output', () => {
    const addr = JSON.stringify([
      { ifname: 'lo', flags: ['LOOPBACK', 'UP'], addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
      {
        ifname: 'p-mc-map',
        flags: ['BROADCAST', 'UP', 'LOWER_UP'],
        linkinfo: { info_kind: 'veth' },
        addr_info: [
          { family: 'inet', local: '172.16.6.1', prefixlen: 31 },
          { family: 'inet6', local: 'fe80::1', prefixlen: 64 },
        ],
      },
      { ifname: 'v-x', flags: ['BROADCAST'], addr_info: [] },
    ]);
    const ifaces = parseIpAddr(addr);
    expect(ifaces.get('p-mc-map')).toEqual({ ifname: 'p-mc-map', up: true, addrs: ['172.16.6.1/31'], kind: 'veth' });
    expect(ifaces.get('v-x')?.up).toBe(false);
    const routes = parseIpRoute(
      JSON.stringify([
        { dst: 'default', gateway: '172.16.6.0', dev: 'p-mc-map' },
        { dst: '172.16.6.0/31', dev: 'p-mc-map' },
      ]),
    );
    expect(routes).toEqual({ routes: ['default', '172.16.6.0/31'], defaultGateway: '172.16.6.0' });
    const netconf = JSON.stringify([
      { family: 'inet', interface: 'host-pub', forwarding: true },
      { family: 'inet', interface: 'all', forwarding: false },
      { family: 'inet6', interface: 'all', forwarding: true },
    ]);
    expect(parseNetconf(netconf)).toEqual(
      new Map([
        ['host-pub', true],
        ['all', false],
      ]),
    );
  });
});
