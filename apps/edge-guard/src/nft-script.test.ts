import { describe, expect, it } from 'vitest';
import { addBansScript, admitScript, removeBanScript, tableScript } from './nft-script.js';

describe('nft scripts', () => {
  it('renders the whole table as one transaction that drops before the DNAT', () => {
    const text = tableScript({
      bans: [
        { target: '203.0.113.5', timeoutMs: 600_000 },
        { target: '2001:db8::5', timeoutMs: 1500 },
        { target: '2001:db8:1:2::/64', timeoutMs: 60_000 },
      ],
      admitted: [{ target: '198.51.100.2', timeoutMs: 900_000 }],
      admitPort: 25565,
    });
    expect(text.split('\n').slice(0, 3)).toEqual(['table inet edge_guard', 'delete table inet edge_guard', 'table inet edge_guard {']);
    expect(text).toContain('type filter hook prerouting priority raw; policy accept;');
    expect(text).toMatch(/set ban4 \{\n\t\ttype ipv4_addr; flags timeout;\n\t\telements = \{ 203\.0\.113\.5 timeout 600s \}/);
    expect(text).toContain('elements = { 2001:db8::5 timeout 2s }');
    expect(text).toMatch(
      /set ban6net \{\n\t\ttype ipv6_addr; flags interval, timeout;\n\t\telements = \{ 2001:db8:1:2::\/64 timeout 60s \}/,
    );
    expect(text).toContain('tcp dport 25565 ip saddr @admit4 meta mark set meta mark or 0x00100000');
  });

  it('leaves the port rule out when the allowlist is off', () => {
    expect(tableScript({ bans: [], admitted: [] })).not.toContain('dport');
  });

  it('adds before it removes in the admitted set, refreshing timeouts', () => {
    const text = admitScript([{ target: '198.51.100.3', timeoutMs: 60_000 }], ['198.51.100.2']);
    const lines = text.trim().split('\n');
    expect(lines.at(2)).toBe('add element inet edge_guard admit4 { 198.51.100.3 timeout 60s }');
    expect(lines.at(-1)).toBe('delete element inet edge_guard admit4 { 198.51.100.2 }');
  });

  it.each([
    ['an injection', '1.2.3.4 } ; flush ruleset ; add element inet x y { 5.6.7.8'],
    ['a name', 'evil.example.org'],
    ['a non-canonical address', '2001:DB8::1'],
    ['a short prefix', '2001:db8::/32'],
  ])('refuses %s', (_what, target) => {
    expect(() => addBansScript([{ target, timeoutMs: 60_000 }])).toThrow(/refusing/);
    expect(() => removeBanScript(target)).toThrow(/refusing/);
    expect(() => admitScript([{ target, timeoutMs: 60_000 }], [])).toThrow(/refusing/);
  });
});
