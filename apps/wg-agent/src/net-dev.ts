import { readFile } from 'node:fs/promises';

/**
 * The names of the network interfaces in /proc/net/dev's text: two header lines, then one line per
 * interface, `  name: counters...` (a Linux interface name has no colon and no white space).
 */
export function interfaceNames(netDev: string): Set<string> {
  const names = new Set<string>();
  for (const line of netDev.split('\n').slice(2)) {
    const match = /^\s*([^\s:]+):/.exec(line);
    if (match?.[1]) names.add(match[1]);
  }
  return names;
}

/**
 * /proc/self/net/dev: the interfaces of this process's network namespace (proc's net folder follows
 * the reader's namespace, wherever /proc was mounted). Read instead of forking `ip link show` for
 * every existence check (the start, each drift check and each /readyz).
 */
export const readNetDev = (): Promise<string> => readFile('/proc/self/net/dev', 'utf8');
