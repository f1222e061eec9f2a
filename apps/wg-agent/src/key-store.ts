import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '@homelab/core';
import { PEER_NAME } from './grammar.js';
import { assertKey, generatePresharedKey, generatePrivateKey, publicKeyOf } from './keys.js';

export interface PeerKeys {
  privateKey: string;
  publicKey: string;
  presharedKey?: string;
}

/** Where keys live; the agent and the `peer` commands share it (both may create, first one wins). */
export interface KeyStore {
  server(): { privateKey: string; publicKey: string };
  peer(name: string, presharedKey: boolean): PeerKeys;
  /** Forgets a peer's keys (a peer added again under the same name gets new ones). */
  removePeer(name: string): void;
}

/**
 * Keys as files in the state folder (the vpn-config volume): `server.key`, `peers/<name>.key` and
 * `peers/<name>.psk`, mode 0600 in folders of mode 0700. Files are created exclusively (`wx`), so an
 * agent and a `peer add` running at once never end up with two different keys for one peer.
 */
export function fileKeyStore(dir: string): KeyStore {
  const peersDir = join(dir, 'peers');
  const ensureDirs = () => {
    for (const d of [dir, peersDir]) {
      mkdirSync(d, { recursive: true, mode: 0o700 });
      if ((statSync(d).mode & 0o077) !== 0) chmodSync(d, 0o700);
    }
  };
  const readOrCreate = (path: string, make: () => string): string => {
    ensureDirs();
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${make()}\n`);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const mode = statSync(path).mode & 0o777;
    if (mode !== 0o600) chmodSync(path, 0o600);
    const key = readFileSync(path, 'utf8').trim();
    try {
      assertKey(key);
    } catch {
      // The path names the file; the content is never echoed.
      throw new RuntimeError(`${path} does not hold a WireGuard key (32 bytes in base64)`, 'BAD_KEY_FILE');
    }
    return key;
  };
  const checkName = (name: string) => {
    if (!PEER_NAME.test(name)) throw new RuntimeError(`"${name}" is not a peer name`, 'BAD_PEER_NAME');
  };
  return {
    server() {
      const privateKey = readOrCreate(join(dir, 'server.key'), generatePrivateKey);
      return { privateKey, publicKey: publicKeyOf(privateKey) };
    },
    peer(name, presharedKey) {
      checkName(name);
      const privateKey = readOrCreate(join(peersDir, `${name}.key`), generatePrivateKey);
      const keys: PeerKeys = { privateKey, publicKey: publicKeyOf(privateKey) };
      if (presharedKey) keys.presharedKey = readOrCreate(join(peersDir, `${name}.psk`), generatePresharedKey);
      return keys;
    },
    removePeer(name) {
      checkName(name);
      for (const ext of ['key', 'psk']) rmSync(join(peersDir, `${name}.${ext}`), { force: true });
    },
  };
}
