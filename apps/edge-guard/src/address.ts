import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** A ban target: one address, or an IPv6 /64 written `2001:db8:1:2::/64`. */
export type Target = string;

/**
 * A bounded memo: log lines repeat the same few thousand addresses, and parsing and range checks
 * cost more than the JSON of a line. Cleared when full, so an address flood cannot grow it.
 */
function memo<T>(compute: (key: string) => T, limit = 65_536): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as T;
    if (cache.size >= limit) cache.clear();
    const value = compute(key);
    cache.set(key, value);
    return value;
  };
}

/** Canonical text of an address (lower case, IPv4-mapped IPv6 unwrapped), or undefined when it is not one. */
export function canonicalAddress(text: string): string | undefined {
  return text.length > 45 ? undefined : canonicalMemo(text);
}

const canonicalMemo = memo(canonicalize);

function canonicalize(text: string): string | undefined {
  if (text.length > 45) return undefined;
  if (isIPv4(text)) return text;
  if (!isIPv6(text)) return undefined;
  const lower = text.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped && isIPv4(mapped[1] as string)) return mapped[1];
  return compressV6(expandV6(lower));
}

/** The eight 16-bit groups of an IPv6 address (already validated). */
function expandV6(text: string): number[] {
  let head = text;
  let tail4: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const o = (dotted[1] as string).split('.').map(Number) as [number, number, number, number];
    tail4 = [(o[0] << 8) | o[1], (o[2] << 8) | o[3]];
    head = text
      .slice(0, -(dotted[1] as string).length)
      .replace(/:$/, ':0')
      .replace(/::0$/, '::');
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const parse = (part: string | undefined) =>
    part
      ? part
          .split(':')
          .filter((g) => g !== '')
          .map((g) => Number.parseInt(g, 16))
      : [];
  const l = parse(left);
  const r = [...parse(right), ...tail4];
  if (right === undefined && tail4.length > 0) return [...l, ...tail4].slice(0, 8);
  const zeros = 8 - l.length - r.length;
  return [...l, ...new Array(Math.max(0, zeros)).fill(0), ...r];
}

function compressV6(groups: number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

const v6Prefix = memo((address: string) => `${compressV6([...expandV6(address).slice(0, 4), 0, 0, 0, 0])}/64`);

/** The /64 an IPv6 address belongs to, as `a:b:c:d::/64`; undefined for IPv4. */
export function prefix64(address: string): Target | undefined {
  return address.includes(':') ? v6Prefix(address) : undefined;
}

/** Parses what `unban` and the state file accept: an address or an IPv6 /64. */
export function parseTarget(text: string): Target | undefined {
  if (text.endsWith('/64')) {
    const base = canonicalAddress(text.slice(0, -3));
    if (!base?.includes(':')) return undefined;
    const p = prefix64(base);
    return p === `${base}/64` ? p : undefined;
  }
  return canonicalAddress(text);
}

export function isPrefixTarget(target: Target): boolean {
  return target.endsWith('/64');
}

/** `192.168.0.0/16` or `fd00::/8` -> [address, bits, family]; undefined when malformed. */
export function parseCidr(text: string): { address: string; bits: number; family: 'ipv4' | 'ipv6' } | undefined {
  const match = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(text.trim());
  if (!match) return undefined;
  const address = canonicalAddress(match[1] as string);
  if (!address) return undefined;
  const family = address.includes(':') ? 'ipv6' : 'ipv4';
  const max = family === 'ipv6' ? 128 : 32;
  const bits = match[2] === undefined ? max : Number(match[2]);
  if (bits > max) return undefined;
  return { address, bits, family };
}

/** The ranges that are never banned (the lab's own, the VPN subnet, the allowlist, loopback). */
export interface ProtectedRanges {
  has(address: string): boolean;
}

export function protectedRanges(cidrs: readonly string[]): ProtectedRanges {
  const list = new BlockList();
  for (const text of ['127.0.0.0/8', '::1/128', ...cidrs]) {
    const cidr = parseCidr(text);
    if (!cidr) throw new Error(`not a CIDR: ${text}`);
    list.addSubnet(cidr.address, cidr.bits, cidr.family);
  }
  return { has: memo((address) => list.check(address, address.includes(':') ? 'ipv6' : 'ipv4')) };
}
