import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WG_KEY } from './grammar.js';
import { fileKeyStore } from './key-store.js';
import { generatePresharedKey, generatePrivateKey, publicKeyOf } from './keys.js';

const dir = mkdtempSync(join(tmpdir(), 'wg-agent-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('keys through node:crypto', () => {
  it('makes keys that wg itself accepts, with the public key wg derives', () => {
    for (let i = 0; i < 5; i++) {
      const key = generatePrivateKey();
      expect(key).toMatch(WG_KEY);
      const fromWg = execFileSync('wg', ['pubkey'], { input: `${key}\n`, encoding: 'utf8' }).trim();
      expect(publicKeyOf(key)).toBe(fromWg);
    }
    const fromWg = execFileSync('wg', ['genkey'], { encoding: 'utf8' }).trim();
    expect(publicKeyOf(fromWg)).toBe(execFileSync('wg', ['pubkey'], { input: fromWg, encoding: 'utf8' }).trim());
    expect(generatePresharedKey()).toMatch(WG_KEY);
    expect(generatePrivateKey()).not.toBe(generatePrivateKey());
  });

  it('refuses what is not a key', () => {
    expect(() => publicKeyOf('not a key')).toThrow(/not a WireGuard key/);
  });

  it('stores keys mode 0600 in folders of mode 0700, keeps them, and forgets a removed peer', () => {
    const store = fileKeyStore(join(dir, 'state'));
    const server = store.server();
    expect(store.server()).toEqual(server);
    const alice = store.peer('alice', true);
    expect(store.peer('alice', true)).toEqual(alice);
    expect(alice.presharedKey).toMatch(WG_KEY);
    expect(statSync(join(dir, 'state')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'state/peers')).mode & 0o777).toBe(0o700);
    for (const file of ['server.key', 'peers/alice.key', 'peers/alice.psk'])
      expect(statSync(join(dir, 'state', file)).mode & 0o777).toBe(0o600);
    store.removePeer('alice');
    expect(readdirSync(join(dir, 'state/peers'))).toEqual([]);
    expect(store.peer('alice', false).publicKey).not.toBe(alice.publicKey);
  });

  it('refuses a hostile peer name as a file name, and a corrupt key file without echoing it', () => {
    const store = fileKeyStore(join(dir, 'state2'));
    expect(() => store.peer('../server', false)).toThrow(/not a peer name/);
    store.server();
    writeFileSync(join(dir, 'state2/server.key'), 'secret-but-broken\n');
    expect(() => store.server()).toThrow(/does not hold a WireGuard key/);
    try {
      store.server();
    } catch (error) {
      expect(String(error)).not.toContain('secret-but-broken');
    }
    expect(readFileSync(join(dir, 'state2/server.key'), 'utf8')).toContain('broken');
  });
});
