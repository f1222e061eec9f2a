import type { NetworkInterfaceInfo } from 'node:os';

/**
 * Pure: the interfaces filestash would be reachable on besides the private hub. filestash listens on
 * every address of its namespace (it has no bind-address setting), so "bound to the private hub only"
 * holds when the namespace has loopback and the interface carrying the listen address, nothing else.
 * No interface at all (before `labctl wire up`) exposes nothing.
 */
export function foreignInterfaces(interfaces: Record<string, NetworkInterfaceInfo[] | undefined>, listenAddress: string): string[] {
  const foreign: string[] = [];
  for (const [name, addresses] of Object.entries(interfaces)) {
    const list = addresses ?? [];
    if (list.length === 0 || list.every((a) => a.internal)) continue;
    if (list.some((a) => a.family === 'IPv4' && a.address === listenAddress)) continue;
    foreign.push(`${name} (${list.map((a) => a.address).join(', ')})`);
  }
  return foreign.sort();
}
