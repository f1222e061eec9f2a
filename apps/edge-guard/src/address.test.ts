import { isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { canonicalAddress, parseIPv6, parseTarget, prefix64, protectedRanges } from './address.js';

describe('addresses', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['::1', '::1'],
    // Dotted last 32 bits in the full form (these two lost their last group before the parser).
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['0:0:0:0:0:ffff:1.2.3.4', '::ffff:102:304'],
    ['::1.2.3.4', '::102:304'],
    // A zone is dropped, whatever it holds.
    ['fe80::1%eth0', 'fe80::1'],
    ['fe80::1%a:b', 'fe80::1'],
    ['fe80::1%', undefined],
    ['1::2::3', undefined],
    ['1:2:3:4:5:6::1.2.3.4', undefined],
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

  // node's isIPv6 decides what is an address, the WHATWG URL parser what it is (RFC 5952 text):
  // the parser must agree with both on everything a generated corpus throws at it.
  it('agrees with node:net isIPv6 and the URL parser on 20,000 generated inputs', () => {
    let seed = 20261203;
    const pick = <T>(list: readonly T[]): T => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return list[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * list.length)] as T;
    };
    const pieces = [
      '',
      '0',
      '1',
      '0000',
      'ff',
      'FFFF',
      'abcd',
      '12345',
      'g',
      ':',
      '::',
      ':::',
      '.',
      '1.2.3.4',
      '256.1.1.1',
      '01.2.3.4',
      '%eth0',
      '%',
      '%a:b',
      '-',
    ];
    const group = ['0', '1', 'ff', 'ffff', 'abc', '0', '0', '12345'];
    const corpus = new Set<string>();
    for (let tries = 0; corpus.size < 20_000 && tries < 1_000_000; tries++) {
      if (pick([true, false])) {
        corpus.add(Array.from({ length: pick([1, 2, 3, 4, 5, 6, 7]) }, () => pick(pieces)).join(''));
      } else {
        let text = Array.from({ length: pick([6, 7, 8, 8, 9]) }, () => pick(group)).join(':');
        if (pick([true, false])) text = text.replace(/(^|:)0(:0)+(:|$)/, '::');
        if (pick([true, false, false])) text = text.replace(/:[^:]*:[^:]*$/, pick([':1.2.3.4', ':10.0.0.256', '::1.2.3.4']));
        if (pick([true, false, false, false])) text += pick(['%eth0', '%', '%1']);
        corpus.add(text);
      }
    }
    let addresses = 0;
    for (const text of corpus) {
      expect(parseIPv6(text) !== undefined, text).toBe(isIPv6(text));
      if (!isIPv6(text) || text.length > 45) continue;
      addresses++;
      const [zoneless = ''] = text.split('%');
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text)?.[1];
      // URL writes the IPv4-mapped range dotted; ours writes hex groups (the same address).
      const expected = new URL(`http://[${zoneless}]/`).hostname
        .slice(1, -1)
        .replace(
          /^::ffff:(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
          (_, a, b, c, d) => `::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`,
        );
      expect(canonicalAddress(text), text).toBe(mapped ?? expected);
    }
    // The corpus must hold addresses of every form, not only garbage.
    expect(addresses).toBeGreaterThan(1_500);
    expect([...corpus].filter((t) => isIPv6(t) && t.includes('.') && !t.includes('::')).length).toBeGreaterThan(100);
    expect([...corpus].filter((t) => isIPv6(t) && t.includes('%')).length).toBeGreaterThan(100);
  });
});
