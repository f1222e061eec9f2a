import { z } from 'zod';

/**
 * The strict grammar of every string that reaches a WireGuard config, an nft ruleset, a file name or
 * a metric label. Anything else is refused before it is rendered: a newline or a `#` in a peer name
 * would otherwise add lines to the server config or rules to the firewall.
 */

/** Peer names: lowercase letters, digits and `-`, starting with a letter or digit, 1-32 bytes. */
export const PEER_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
/** Lab container names as lab.yaml spells them. */
export const CONTAINER_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Interface names: at most 15 bytes (IFNAMSIZ), no quote, space or slash. */
export const INTERFACE_NAME = /^[a-z][a-z0-9_-]{0,14}$/;
/** A WireGuard key: 32 bytes in standard base64 (43 characters and one `=`; the last one has 4 free bits). */
export const WG_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
/** A DNS name of RFC 1123 labels. */
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);

export function isIpv4(text: string): boolean {
  return IPV4.test(text);
}

export function ipv4ToInt(text: string): number {
  return text.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
}

export interface Ipv4Cidr {
  address: string;
  prefix: number;
}

export function parseCidr(text: string): Ipv4Cidr | undefined {
  const [address = '', prefix = '', ...rest] = text.split('/');
  if (rest.length > 0 || !isIpv4(address) || !/^(3[0-2]|[12]?\d)$/.test(prefix)) return undefined;
  return { address, prefix: Number(prefix) };
}

/** The network of a CIDR as [first, last] integers (both inclusive). */
export function cidrRange(cidr: Ipv4Cidr): [number, number] {
  const size = 2 ** (32 - cidr.prefix);
  const first = Math.floor(ipv4ToInt(cidr.address) / size) * size;
  return [first, first + size - 1];
}

/** Whether `address` is a usable host of `cidr` (not its network or broadcast address below /31). */
export function isHostOf(address: string, cidr: Ipv4Cidr): boolean {
  const n = ipv4ToInt(address);
  const [first, last] = cidrRange(cidr);
  if (n < first || n > last) return false;
  return cidr.prefix >= 31 || (n !== first && n !== last);
}

/** `host:port` with a DNS name or IPv4 address, or `[v6]:port`. */
export function isEndpoint(text: string): boolean {
  const match = /^(\[([0-9a-f:]+)\]|([^:[\]]+)):(\d{1,5})$/i.exec(text);
  if (!match) return false;
  const port = Number(match[4]);
  if (port < 1 || port > 65535) return false;
  if (match[2] !== undefined) return /^[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}$/i.test(match[2]);
  const host = match[3] ?? '';
  return isIpv4(host) || (HOSTNAME.test(host) && !/^[\d.]+$/.test(host));
}

export const peerName = z.string().regex(PEER_NAME, 'expected a peer name of lowercase letters, digits and -, at most 32 characters');
export const containerName = z.string().regex(CONTAINER_NAME, 'expected a container name of lowercase letters, digits and -');
export const interfaceName = z
  .string()
  .regex(INTERFACE_NAME, 'expected an interface name: a lowercase letter, then letters, digits, _ or -, at most 15 characters');
export const ipv4 = z.string().refine(isIpv4, 'expected an IPv4 address such as 10.200.0.2');
export const cidr = z.string().refine((v) => parseCidr(v) !== undefined, 'expected an IPv4 address with a prefix such as 10.200.0.1/24');
export const endpoint = z.string().refine(isEndpoint, 'expected host:port, e.g. vpn.example.org:51820');
export const dnsEntry = z
  .string()
  .refine((v) => isIpv4(v) || (HOSTNAME.test(v) && !/^[\d.]+$/.test(v)), 'expected an IPv4 address or a search domain');
export const wgKey = z.string().regex(WG_KEY, 'expected a WireGuard key (44 characters of base64)');
