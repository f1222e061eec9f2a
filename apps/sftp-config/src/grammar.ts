/**
 * The strict grammars every string passes before it reaches sshd_config, authorized_keys, passwd or
 * the forced command line. Anything outside them is refused at config validation, never escaped.
 */

/** A login name: lowercase letter first, then lowercase letters, digits, `_` and `-`; at most 32. */
export const USER_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** Names sshd, passwd or the container already use for themselves: never a satellite login. */
export const RESERVED_USER_NAMES = new Set([
  'root',
  'sshd',
  'nobody',
  'daemon',
  'bin',
  'sys',
  'homelab',
  'git',
  'halt',
  'shutdown',
  'sync',
  'operator',
]);

/** Key types OpenSSH accepts in authorized_keys (no DSA, no RSA-SHA1-only variants). */
export const KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
] as const;

export interface ParsedKey {
  type: string;
  base64: string;
  /** Only a safe comment is kept (letters, digits, `._@+-`); anything else is dropped. */
  comment: string;
}

/**
 * Parses `TYPE BASE64 [comment]`. Options in front (`command=...`) are refused: we write the
 * options ourselves. The base64 blob must decode and start with the same key type (as OpenSSH
 * checks), so a line cannot smuggle a second key or an option.
 */
export function parsePublicKey(line: string): ParsedKey | string {
  if (/[\u0000-\u001f\u007f]/.test(line)) return 'contains a control character or newline';
  const parts = line.trim().split(/ +/);
  const [type, base64, ...rest] = parts;
  if (!type || !base64) return 'expected "TYPE BASE64 [comment]"';
  if (!(KEY_TYPES as readonly string[]).includes(type))
    return `unknown key type "${type.slice(0, 40)}" (expected one of ${KEY_TYPES.join(', ')})`;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0 || base64.length > 16_384) return 'the key is not valid base64';
  const blob = Buffer.from(base64, 'base64');
  if (blob.length < 4) return 'the key blob is too short';
  const nameLength = blob.readUInt32BE(0);
  if (nameLength + 4 > blob.length || blob.subarray(4, 4 + nameLength).toString('latin1') !== type) {
    return `the key blob does not hold a ${type} key`;
  }
  const comment = rest.join(' ');
  return { type, base64, comment: /^[A-Za-z0-9._@+-]{1,64}$/.test(comment) ? comment : '' };
}
