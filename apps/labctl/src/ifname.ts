import { IFNAME_CHARS, IFNAME_FORM } from './grammar.js';

/** Linux interface names: at most 15 bytes (IFNAMSIZ 16 with the NUL), from a safe set (grammar.ts). */
export const IFNAME_MAX_BYTES = 15;

export function ifnameProblem(name: string): string | undefined {
  if (!IFNAME_CHARS.test(name)) return `${JSON.stringify(name)} is not a valid interface name; expected ${IFNAME_FORM}`;
  const bytes = Buffer.byteLength(name);
  if (bytes > IFNAME_MAX_BYTES) return `interface name "${name}" is ${bytes} bytes; the kernel allows at most ${IFNAME_MAX_BYTES}`;
  return undefined;
}

const dropInnerVowels = (word: string) => (word[0] ?? '') + word.slice(1).replace(/[aeiou]/g, '');

/**
 * The naming scheme that fits 15 bytes, applied step by step until the name fits:
 * 1. hub links lose their long prefix: `pub-<container>` -> `p-<container>`, `pri-<container>` -> `v-<container>` (v: VPN side);
 * 2. other names drop the inner vowels of their longest part after the first (`navid-server-web` -> `navid-srvr-web`);
 * 3. last resort: cut to 15 bytes.
 */
export function proposeIfName(name: string): string {
  let out = name.replace(/^pub-/, 'p-').replace(/^pri-/, 'v-');
  const isHubLink = out !== name;
  if (!isHubLink) {
    while (Buffer.byteLength(out) > IFNAME_MAX_BYTES) {
      const parts = out.split('-');
      let longest = -1;
      for (let i = 1; i < parts.length; i++) {
        const part = parts[i] ?? '';
        if (dropInnerVowels(part) !== part && (longest === -1 || part.length > (parts[longest] ?? '').length)) longest = i;
      }
      if (longest === -1) break;
      parts[longest] = dropInnerVowels(parts[longest] ?? '');
      out = parts.join('-');
    }
  }
  return Buffer.from(out).subarray(0, IFNAME_MAX_BYTES).toString();
}
