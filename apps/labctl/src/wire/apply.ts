import { ExecError, type Runner } from '@homelab/core';
import { NFT_TABLE, nftHash } from '../render/nft.js';
import { type ObservedNs, parseIpAddr, parseIpRoute, parseNetconf } from './observe.js';
import type { DesiredNs, WirePlan } from './plan.js';

const TIMEOUT = { timeoutMs: 30_000 };
/** Processes in flight at once: each is short and mostly kernel work. */
export const CONCURRENCY = 8;

/** Runs `command args` inside a namespace (or here when `netns` is undefined). */
export function inNs(runner: Runner, netns: string | undefined, command: string, args: readonly string[], input?: string) {
  const opts = input === undefined ? TIMEOUT : { ...TIMEOUT, input };
  // nsenter only joins the network namespace (ip netns exec also sets up a mount namespace): lighter, same effect here.
  return netns ? runner.run('nsenter', [`--net=/run/netns/${netns}`, '--', command, ...args], opts) : runner.run(command, args, opts);
}

function ipBatch(runner: Runner, netns: string | undefined, lines: readonly string[], json = false) {
  const args = [...(netns ? ['-n', netns] : []), ...(json ? ['-j', '-d'] : []), '-batch', '-'];
  return runner.run('ip', args, { ...TIMEOUT, input: `${lines.join('\n')}\n` });
}

/** Runs `fn` over items with at most `limit` at once (2 cores: a few `ip` processes in flight is plenty). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Two processes per namespace: one `ip -batch` (addresses, routes, forwarding) and one `nft list`. */
export async function observeNs(runner: Runner, netns: string | undefined, want: DesiredNs, withNft = true): Promise<ObservedNs> {
  // Both at once: they read different things of the same namespace.
  const [{ stdout }, hash] = await Promise.all([
    ipBatch(runner, netns, ['addr show', 'route show', 'netconf show'], true),
    withNft ? loadedTableHash(runner, netns) : Promise.resolve(undefined),
  ]);
  const [addrJson = '[]', routeJson = '[]', netconfJson = '[]'] = stdout.split('\n').filter((l) => l.trim() !== '');
  const ifaces = parseIpAddr(addrJson);
  const { routes, defaultGateway } = parseIpRoute(routeJson);
  const forwarding = parseNetconf(netconfJson);
  const sysctl = new Map<string, string>();
  for (const key of want.forwarding) {
    const ifname = /^net\.ipv4\.conf\.(.+)\.forwarding$/.exec(key)?.[1] ?? 'all';
    const on = forwarding.get(ifname);
    if (on !== undefined) sysctl.set(key, on ? '1' : '0');
  }
  return { ifaces, routes, ...(defaultGateway ? { defaultGateway } : {}), ...(hash ? { nftHash: hash } : {}), sysctl };
}

/** The hash comment of our table in `netns` ('foreign' without one), undefined when the table is absent. */
async function loadedTableHash(runner: Runner, netns: string | undefined): Promise<string | undefined> {
  try {
    const listed = await inNs(runner, netns, 'nft', ['list', 'table', ...NFT_TABLE.split(' ')]);
    return nftHash(listed.stdout) ?? 'foreign';
  } catch (error) {
    if (!(error instanceof ExecError)) throw error;
    return undefined;
  }
}

export async function observeAll(
  runner: Runner,
  desired: readonly DesiredNs[],
  netnsOf: (end: string) => string | undefined,
  withNft = true,
): Promise<Map<string, ObservedNs>> {
  const results = await mapLimit(desired, CONCURRENCY, (d) => observeNs(runner, netnsOf(d.end), d, withNft));
  return new Map(desired.map((d, i) => [d.end, results[i] as ObservedNs]));
}

/**
 * Executes a plan: rulesets first (they match interface names, so they guard the links from the
 * moment they exist), then removals, pair creation, addresses and routes, forwarding last.
 */
export async function executePlan(runner: Runner, plan: WirePlan, netnsOf: (end: string) => string | undefined): Promise<void> {
  await mapLimit([...plan.nft], CONCURRENCY, ([end, text]) => inNs(runner, netnsOf(end), 'nft', ['-f', '-'], text));
  await mapLimit([...plan.delLines], CONCURRENCY, ([end, lines]) => ipBatch(runner, netnsOf(end), lines));
  if (plan.createLines.length > 0) await ipBatch(runner, undefined, plan.createLines);
  await mapLimit([...plan.nsLines], CONCURRENCY, ([end, lines]) => ipBatch(runner, netnsOf(end), lines));
  await mapLimit([...plan.sysctl], CONCURRENCY, ([end, args]) => inNs(runner, netnsOf(end), 'sysctl', ['-q', '-w', ...args]));
}

/** Deletes our table where it exists; one process per namespace, no listing first. Returns the ends where it existed. */
export async function deleteTables(
  runner: Runner,
  ends: readonly string[],
  netnsOf: (end: string) => string | undefined,
): Promise<string[]> {
  const results = await mapLimit(ends, CONCURRENCY, async (end) => {
    try {
      await inNs(runner, netnsOf(end), 'nft', ['delete', 'table', ...NFT_TABLE.split(' ')]);
      return end;
    } catch (error) {
      if (error instanceof ExecError && /No such file or directory/.test(error.stderr)) return undefined;
      throw error;
    }
  });
  return results.filter((e): e is string => e !== undefined);
}
