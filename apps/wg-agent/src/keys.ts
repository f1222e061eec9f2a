import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { WG_KEY } from './grammar.js';

/**
 * WireGuard keys through node:crypto: Curve25519 (x25519) key pairs as raw 32-byte keys in base64,
 * the form `wg` reads. A key is a secret: it never goes into a log line, a metric or a listing.
 */

/** DER prefix of a PKCS#8 x25519 private key; the raw 32 bytes follow. */
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');

export function generatePrivateKey(): string {
  const { privateKey } = generateKeyPairSync('x25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return der.subarray(der.length - 32).toString('base64');
}

export function publicKeyOf(privateKey: string): string {
  assertKey(privateKey);
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, Buffer.from(privateKey, 'base64')]), format: 'der', type: 'pkcs8' });
  const der = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32).toString('base64');
}

/** A preshared key: 32 random bytes. */
export function generatePresharedKey(): string {
  return randomBytes(32).toString('base64');
}

export function assertKey(key: string): void {
  if (!WG_KEY.test(key) || Buffer.from(key, 'base64').length !== 32) throw new Error('not a WireGuard key (32 bytes in base64)');
}
