import { describe, expect, it } from 'vitest';
import { cidrRange, isEndpoint, isHostOf, isIpv4, PEER_NAME, parseCidr, WG_KEY } from './grammar.js';

describe('grammar of everything that reaches a WireGuard config or nft', () => {
  it.each(['phone', 'laptop-2', 'a', '0x'])('accepts the peer name %s', (name) => expect(PEER_NAME.test(name)).toBe(true));
  it.each(['', 'Phone', '-a', 'a b', 'a\nb', 'a"b', 'a/../b', 'x'.repeat(33), 'a.b', 'a#b'])('refuses the peer name %j', (name) =>
    expect(PEER_NAME.test(name)).toBe(false),
  );

  it('accepts base64 keys of exactly 32 bytes only', () => {
    expect(WG_KEY.test(Buffer.alloc(32, 7).toString('base64'))).toBe(true);
    expect(WG_KEY.test(Buffer.alloc(31, 7).toString('base64'))).toBe(false);
    expect(WG_KEY.test(`${Buffer.alloc(32, 7).toString('base64')}\n[Peer]`)).toBe(false);
    // 44 characters whose last one leaves non-zero padding bits: not a canonical 32-byte key
    expect(WG_KEY.test(`${'A'.repeat(42)}B=`)).toBe(false);
  });

  it.each([
    ['10.200.0.2', true],
    ['255.255.255.255', true],
    ['10.200.0.256', false],
    ['010.1.1.1', false],
    ['10.1.1', false],
    ['10.1.1.1/32', false],
    ['10.1.1.1 ', false],
  ])('IPv4 %j: %s', (text, ok) => expect(isIpv4(text)).toBe(ok));

  it('knows the hosts of a subnet', () => {
    const subnet = parseCidr('10.200.0.1/24');
    expect(subnet).toEqual({ address: '10.200.0.1', prefix: 24 });
    if (!subnet) return;
    expect(cidrRange(subnet)).toEqual([0x0ac80000, 0x0ac800ff]);
    expect(isHostOf('10.200.0.2', subnet)).toBe(true);
    expect(isHostOf('10.200.0.0', subnet)).toBe(false);
    expect(isHostOf('10.200.0.255', subnet)).toBe(false);
    expect(isHostOf('10.201.0.2', subnet)).toBe(false);
    expect(parseCidr('10.200.0.1/33')).toBeUndefined();
    expect(parseCidr('10.200.0.1')).toBeUndefined();
  });

  it.each([
    ['vpn.example.org:51820', true],
    ['192.0.2.1:51820', true],
    ['[2001:db8::1]:51820', true],
    ['vpn.example.org', false],
    ['vpn.example.org:0', false],
    ['vpn.example.org:70000', false],
    ['vpn example.org:51820', false],
    ['vpn.example.org:51820\nPostUp = id', false],
    ['999.1.1.1:51820', false],
  ])('endpoint %j: %s', (text, ok) => expect(isEndpoint(text)).toBe(ok));
});
