import { describe, expect, it } from 'vitest';
import { canonicalAddress, parseTarget, prefix64, protectedRanges } from './address.js';

describe('addresses', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['::1', '::1'],
    ['1.2.3', undefined],
    ['1.2.3.4; flush ruleset', undefined],
    ['', undefined],
  ])('canonicalAddress(%s) = %s', (input, expected) => {
    expect(canonicalAddress(input)).toBe(expected);
  });

  it('groups IPv6 addresses by /64 and accepts only aligned /64 targets', () => {
    expect(prefix64('2001:db8:1:2:aaaa::5')).toBe('2001:db8:1:2::/64');
    expect(prefix64('192.0.2.1')).toBeUndefined();
    expect(parseTarget('2001:db8:1:2::/64')).toBe('2001:db8:1:2::/64');
    expect(parseTarget('2001:db8:1:2::1/64')).toBeUndefined();
    expect(parseTarget('192.0.2.0/64')).toBeUndefined();
    expect(parseTarget('2001:db8::/48')).toBeUndefined();
  });

  it('protects the configured ranges and loopback', () => {
    const p = protectedRanges(['192.168.0.0/16', '10.200.0.0/24', 'fd00::/8', '198.51.100.7']);
    expect(p.has('192.168.5.5')).toBe(true);
    expect(p.has('10.200.0.9')).toBe(true);
    expect(p.has('10.201.0.9')).toBe(false);
    expect(p.has('fd12::1')).toBe(true);
    expect(p.has('198.51.100.7')).toBe(true);
    expect(p.has('198.51.100.8')).toBe(false);
    expect(p.has('127.0.0.1')).toBe(true);
    expect(() => protectedRanges(['10.0.0.0/33'])).toThrow(/not a CIDR/);
  });
});
