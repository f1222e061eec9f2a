import type { SatelliteUser } from './config.js';
import { parsePublicKey } from './grammar.js';

/** `restrict` turns off every forwarding, the pty, user rc and X11 for the key, whatever sshd_config says. */
export function renderAuthorizedKeys(user: SatelliteUser): string {
  const lines = user.keys.map((line) => {
    const key = parsePublicKey(line);
    if (typeof key === 'string') throw new Error(`key of ${user.name} passed validation but does not parse: ${key}`);
    return `restrict ${key.type} ${key.base64}${key.comment ? ` ${key.comment}` : ''}`;
  });
  return `${lines.join('\n')}\n`;
}
