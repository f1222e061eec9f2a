import { createNetns, netnsPrefix, removeNetnses } from '@homelab/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { addBansScript, admitScript, removeBanScript, tableScript } from '../src/nft-script.js';
import { nsRun } from './edge-lab.js';

// The scripts against the real nft, in a namespace of this test: every set, IPv6 and /64 elements,
// the add-delete-add refresh and removals of missing elements.

afterAll(() => removeNetnses());

const ns = createNetns(`${netnsPrefix('egn')}h`);
const nft = async (script: string) => {
  const r = await nsRun(ns, 'nft', ['-f', '-'], { input: script });
  expect(r.code, `${r.stderr}\n${script}`).toBe(0);
};
const list = async (set: string) => {
  const r = await nsRun(ns, 'nft', ['-j', 'list', 'set', 'inet', 'edge_guard', set]);
  const json = JSON.parse(r.stdout) as { nftables: { set?: { elem?: unknown[] } }[] };
  return (json.nftables.find((x) => x.set)?.set?.elem ?? []).map((e) => {
    const elem = (e as { elem?: { val: unknown; timeout?: number } }).elem;
    const val = elem?.val ?? e;
    const text =
      typeof val === 'object' && val && 'prefix' in val
        ? `${(val as { prefix: { addr: string; len: number } }).prefix.addr}/${(val as { prefix: { len: number } }).prefix.len}`
        : String(val);
    return { text, timeout: elem?.timeout };
  });
};

describe('nft scripts on the real nft', () => {
  it('loads the table with IPv4, IPv6 and /64 bans and admitted addresses, then replaces it atomically', async () => {
    const content = {
      bans: [
        { target: '203.0.113.5', timeoutMs: 600_000 },
        { target: '2001:db8::5', timeoutMs: 60_000 },
        { target: '2001:db8:1:2::/64', timeoutMs: 60_000 },
      ],
      admitted: [
        { target: '198.51.100.2', timeoutMs: 900_000 },
        { target: '2001:db8::2', timeoutMs: 900_000 },
      ],
      admitPort: 25565,
    };
    await nft(tableScript(content));
    await nft(tableScript(content));
    expect(await list('ban4')).toEqual([{ text: '203.0.113.5', timeout: 600 }]);
    expect(await list('ban6')).toEqual([{ text: '2001:db8::5', timeout: 60 }]);
    expect(await list('ban6net')).toEqual([{ text: '2001:db8:1:2::/64', timeout: 60 }]);
    expect((await list('admit6')).map((e) => e.text)).toEqual(['2001:db8::2']);
    const chain = await nsRun(ns, 'nft', ['list', 'chain', 'inet', 'edge_guard', 'prerouting']);
    expect(chain.stdout).toContain('type filter hook prerouting priority raw; policy accept;');
    expect(chain.stdout).toContain('tcp dport 25565 ip saddr @admit4 meta mark set meta mark | 0x00100000');
  });

  it('adds bans that already exist without failing, and removes bans that do not', async () => {
    await nft(
      addBansScript([
        { target: '203.0.113.5', timeoutMs: 60_000 },
        { target: '2001:db8:3:4::/64', timeoutMs: 60_000 },
      ]),
    );
    expect((await list('ban6net')).map((e) => e.text)).toEqual(['2001:db8:1:2::/64', '2001:db8:3:4::/64']);
    await nft(removeBanScript('2001:db8:1:2::/64'));
    await nft(removeBanScript('192.0.2.99'));
    expect((await list('ban6net')).map((e) => e.text)).toEqual(['2001:db8:3:4::/64']);
  });

  it('moves the admitted set add-before-remove and refreshes timeouts in one transaction', async () => {
    await nft(
      admitScript(
        [
          { target: '198.51.100.2', timeoutMs: 30_000 },
          { target: '198.51.100.3', timeoutMs: 30_000 },
        ],
        ['2001:db8::2'],
      ),
    );
    expect(await list('admit4')).toEqual([
      { text: '198.51.100.2', timeout: 30 },
      { text: '198.51.100.3', timeout: 30 },
    ]);
    expect(await list('admit6')).toEqual([]);
  });
});
