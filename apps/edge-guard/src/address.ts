import { BlockList, isIPv4 } from 'node:net';

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
  const groups = parseIPv6(text);
  if (!groups) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  if (mapped) return mapped[1];
  return compressV6(groups);
}

const HEX_GROUP = /^[0-9a-f]{1,4}$/i;
const ZONE = /^[0-9a-z.:-]+$/i;

/**
 * The eight 16-bit groups of an IPv6 address, or undefined when the text is not one: the grammar of
 * node's `isIPv6` (RFC 4291's text forms: `::` for one or more zero groups, dotted IPv4 as the last
 * 32 bits, a `%zone` suffix, which is dropped). Written out because node's one regular expression
 * for it costs about 8 ms the first time it runs, at every start (address.test.ts checks that the
 * two agree).
 */
export function parseIPv6(text: string): number[] | undefined {
  let address = text;
  const percent = text.indexOf('%');
  if (percent >= 0) {
    if (!ZONE.test(text.slice(percent + 1))) return undefined;
    address = text.slice(0, percent);
  }
  const lastColon = address.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  const last = address.slice(lastColon + 1);
  if (last.includes('.')) {
    // The dotted last 32 bits become two hex groups, then the whole is read as hex groups.
    if (!isIPv4(last)) return undefined;
    const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
    address = `${address.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const read = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups: number[] = [];
    for (const group of part.split(':')) {
      if (!HEX_GROUP.test(group)) return undefined;
      groups.push(Number.parseInt(group, 16));
    }
    return groups;
  };
  const left = read(halves[0] as string);
  if (!left) return undefined;
  if (halves.length === 1) return left.length === 8 ? left : undefined;
  const right = read(halves[1] as string);
  // `::` stands for at least one zero group.
  if (!right || left.length + right.length > 7) return undefined;
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
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

const v6Prefix = memo((address: string): Target | undefined => {
  const groups = parseIPv6(address);
  return groups && `${compressV6([...groups.slice(0, 4), 0, 0, 0, 0])}/64`;
});

/** The /64 an IPv6 address belongs to, as `a:b:c:d::/64`; undefined for IPv4 (or what is no address). */
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
