import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { foreignInterfaces } from './exposure.js';

const addr = (address: string, family: 'IPv4' | 'IPv6', internal = false) => ({ address, family, internal }) as NetworkInterfaceInfo;

describe('private hub only', () => {
  it('loopback and the interface holding the listen address (with its link-local v6) expose nothing else', () => {
    expect(
      foreignInterfaces(
        {
          lo: [addr('127.0.0.1', 'IPv4', true), addr('::1', 'IPv6', true)],
          'v-zfs-web': [addr('10.1.3.1', 'IPv4'), addr('fe80::1', 'IPv6')],
        },
        '10.1.3.1',
      ),
    ).toEqual([]);
  });

  it('no interface yet (before the wiring) exposes nothing', () => {
    expect(foreignInterfaces({ lo: [addr('127.0.0.1', 'IPv4', true)] }, '10.1.3.1')).toEqual([]);
  });

  it('names every other interface, public or not', () => {
    expect(
      foreignInterfaces(
        {
          lo: [addr('127.0.0.1', 'IPv4', true)],
          'v-zfs-web': [addr('10.1.3.1', 'IPv4')],
          'p-zfs-web': [addr('172.16.9.1', 'IPv4')],
          eth0: [addr('fe80::2', 'IPv6')],
        },
        '10.1.3.1',
      ),
    ).toEqual(['eth0 (fe80::2)', 'p-zfs-web (172.16.9.1)']);
  });
});
