/** Tiny IPv4 arithmetic for /31 links (pure). */

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function intToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** The network address of `ip` in a subnet of `prefix` bits. */
export function networkOf(ip: string, prefix: number): string {
  const size = 2 ** (32 - prefix);
  return intToIp(Math.floor(ipToInt(ip) / size) * size);
}

export function inSubnet(ip: string, cidr: string): boolean {
  const [net = '', bits = '32'] = cidr.split('/');
  const prefix = Number(bits);
  return networkOf(ip, prefix) === networkOf(net, prefix);
}
