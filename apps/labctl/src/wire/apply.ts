import { ExecError, type Runner } from '@homelab/core';
import { NFT_TABLE, nftHash } from '../render/nft.js';
import { type ObservedNs, parseIpAddr, parseIpRoute, parseSysctl } from './observe.js';
import type { DesiredNs, WirePlan } from './plan.js';

const TIMEOUT = { timeoutMs: 30_000 };

/** Runs `command args` inside a namespace (or here when `netns` is undefined). */
export function inNs(runner: Runner, netns: string | undefined, command: string, args: readonly string[], input?: string) {
  const opts = input === undefined ? TIMEOUT : { ...TIMEOUT, input };
  return netns ? runner.run('ip', ['netns', 'exec', netns, command, ...args], opts) : runner.run(command, args, opts);
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

/** One `ip -batch` (addresses and routes), one `nft list` and, where needed, one `sysctl` per namespace. */
export async function observeNs(runner: Runner, netns: string | undefined, want: DesiredNs): Promise<ObservedNs> {
  const { stdout } = await ipBatch(runner, netns, ['addr show', 'route show'], true);
  const [addrJson = '[]', routeJson = '[]'] = stdout.split('\n').filter((l) => l.trim() !== '');
  const ifaces = parseIpAddr(addrJson);
  const { routes, defaultGateway } = parseIpRoute(routeJson);
  let hash: string | undefined;
  try {
    const listed = await inNs(runner, netns, 'nft', ['list', 'table', ...NFT_TABLE.split(' ')]);
    hash = nftHash(listed.stdout) ?? 'foreign';
  } catch (error) {
    if (!(error instanceof ExecError)) throw error;
  }
  const keys = want.forwarding.filter((k) => {
    const ifname = /^net\.ipv4\.conf\.(.+)\.forwarding$/.exec(k)?.[1];
    return !ifname || ifaces.has(ifname);
  });
  const sysctl = keys.length > 0 ? parseSysctl((await inNs(runner, netns, 'sysctl', keys)).stdout) : new Map<string, string>();
  return { ifaces, routes, ...(defaultGateway ? { defaultGateway } : {}), ...(hash ? { nftHash: hash } : {}), sysctl };
}

export async function observeAll(
  runner: Runner,
  desired: readonly DesiredNs[],
  netnsOf: (end: string) => string | undefined,
): Promise<Map<string, ObservedNs>> {
  const results = await mapLimit(desired, 4, (d) => observeNs(runner, netnsOf(d.end), d));
  return new Map(desired.map((d, i) => [d.end, results[i] as ObservedNs]));
}

/**
 * Executes a plan: rulesets first (they match interface names, so they guard the links from the
 * moment they exist), then removals, pair creation, addresses and routes, forwarding last.
 */
export async function executePlan(runner: Runner, plan: WirePlan, netnsOf: (end: string) => string | undefined): Promise<void> {
  await mapLimit([...plan.nft], 4, ([end, text]) => inNs(runner, netnsOf(end), 'nft', ['-f', '-'], text));
  await mapLimit([...plan.delLines], 4, ([end, lines]) => ipBatch(runner, netnsOf(end), lines));
  if (plan.createLines.length > 0) await ipBatch(runner, undefined, plan.createLines);
  await mapLimit([...plan.nsLines], 4, ([end, lines]) => ipBatch(runner, netnsOf(end), lines));
  await mapLimit([...plan.sysctl], 4, ([end, args]) => inNs(runner, netnsOf(end), 'sysctl', ['-q', '-w', ...args]));
}
