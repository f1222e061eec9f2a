import { stat } from 'node:fs/promises';
import { type Runner, RuntimeError } from '@homelab/core';
import { HOST } from '../model.js';

/** Where each end's network namespace is: a name under /run/netns, or undefined for the current one. */
export interface NetnsMap {
  netnsOf(end: string): string | undefined;
  /** Names labctl attached to container PIDs (podman mode), to detach on `down`. */
  attached: string[];
}

export type NetnsSource = 'named' | 'podman';

export interface NetnsOptions {
  source: NetnsSource;
  /** Prefix of the netns names: `<prefix><end>`. */
  prefix: string;
  /** Rootless podman: the user whose containers these are (podman runs as them via runuser). */
  podmanUser?: string;
  /** podman container names are `<containerPrefix><container>` (default: the container's name). */
  containerPrefix?: string;
}

const TIMEOUT = { timeoutMs: 20_000 };

export async function listNetns(runner: Runner): Promise<Set<string>> {
  const { stdout } = await runner.run('ip', ['-j', 'netns', 'list'], TIMEOUT);
  const entries = JSON.parse(stdout.trim() || '[]') as { name?: string }[];
  return new Set(entries.flatMap((e) => (e.name ? [e.name] : [])));
}

/**
 * named: every end (the host too) is a named netns `<prefix><end>` that must exist (tests).
 * podman: each container's netns is found from `podman container inspect` PIDs and attached as
 * `<prefix><container>` (`ip netns attach`), so the rest works on names; the host is the current namespace.
 */
export async function resolveNetns(
  runner: Runner,
  ends: readonly string[],
  opts: NetnsOptions,
  /** PIDs by podman name when the caller just listed them (labctl run): saves a `podman inspect`. */
  knownPids?: ReadonlyMap<string, number>,
): Promise<NetnsMap> {
  if (opts.source === 'named') {
    const existing = await listNetns(runner);
    const missing = ends.filter((e) => !existing.has(`${opts.prefix}${e}`));
    if (missing.length > 0) {
      throw new RuntimeError(
        `network namespaces missing: ${missing.map((e) => `${opts.prefix}${e}`).join(', ')} (create them, or use --netns-from podman with the containers running)`,
        'NETNS_MISSING',
      );
    }
    return { netnsOf: (end) => `${opts.prefix}${end}`, attached: [] };
  }
  const containers = ends.filter((e) => e !== HOST);
  const cp = opts.containerPrefix ?? '';
  const byPodmanName =
    knownPids ??
    (await podmanPids(
      runner,
      containers.map((c) => `${cp}${c}`),
      opts.podmanUser,
    ));
  const pids = new Map(
    containers.flatMap((c) => (byPodmanName.has(`${cp}${c}`) ? [[c, byPodmanName.get(`${cp}${c}`) as number] as const] : [])),
  );
  const attached: string[] = [];
  const lines: string[] = [];
  for (const name of containers) {
    const ns = `${opts.prefix}${name}`;
    const pid = pids.get(name);
    if (pid === undefined) throw new RuntimeError(`container ${name} is not running (podman inspect shows no PID)`, 'CONTAINER_DOWN');
    attached.push(ns);
    // The name is a stat away (no `ip netns list`): the same namespace as the PID's, or attached anew.
    const state = await nameState(`/run/netns/${ns}`, `/proc/${pid}/ns/net`);
    if (state === 'same') continue;
    // A stale name (the container restarted) points at a dead namespace: attach it again.
    if (state === 'other') lines.push(`netns delete ${ns}`);
    lines.push(`netns attach ${ns} ${pid}`);
  }
  // Every (re-)attach in one process.
  if (lines.length > 0) await runner.run('ip', ['-batch', '-'], { ...TIMEOUT, input: `${lines.join('\n')}\n` });
  return { netnsOf: (end) => (end === HOST ? undefined : `${opts.prefix}${end}`), attached };
}

/**
 * Names of attached namespaces of a lab, for `down`/`status` in podman mode (no running container
 * needed). A name that is no namespace mount (an attach made inside another mount namespace leaves an
 * empty file) is removed and skipped.
 */
export async function attachedNames(runner: Runner, ends: readonly string[], prefix: string): Promise<string[]> {
  const existing = await listNetns(runner);
  const names: string[] = [];
  for (const e of ends) {
    const ns = `${prefix}${e}`;
    if (e === HOST || !existing.has(ns)) continue;
    if (await isNetnsMount(`/run/netns/${ns}`)) names.push(ns);
    else await runner.run('ip', ['netns', 'delete', ns], TIMEOUT).catch(() => undefined);
  }
  return names;
}

/** nsfs files share one device: a netns bind mount has it, a leftover empty file does not. */
async function isNetnsMount(path: string): Promise<boolean> {
  try {
    const [file, own] = await Promise.all([stat(path), stat('/proc/self/ns/net')]);
    return file.dev === own.dev;
  } catch {
    return false;
  }
}

/** `name`: an attached name's path; `pid`: the container's namespace. missing: no such name. */
async function nameState(name: string, pid: string): Promise<'missing' | 'same' | 'other'> {
  const x = await stat(name).catch(() => undefined);
  if (!x) return 'missing';
  const y = await stat(pid).catch(() => undefined);
  return y && x.ino === y.ino && x.dev === y.dev ? 'same' : 'other';
}

export async function podmanPids(runner: Runner, containers: readonly string[], user?: string): Promise<Map<string, number>> {
  if (containers.length === 0) return new Map();
  let stdout: string;
  const args = ['container', 'inspect', ...containers];
  try {
    ({ stdout } = user
      ? await runner.run('runuser', ['-u', user, '--', 'podman', ...args], { timeoutMs: 60_000 })
      : await runner.run('podman', args, { timeoutMs: 60_000 }));
  } catch (error) {
    throw new RuntimeError(`podman container inspect failed: ${(error as Error).message}`, 'PODMAN_INSPECT', { cause: error });
  }
  return parsePodmanInspect(stdout);
}

interface InspectEntry {
  Name?: string;
  State?: { Running?: boolean; Pid?: number };
}

/** Pure: container name to PID of its running process, from `podman container inspect` JSON. */
export function parsePodmanInspect(json: string): Map<string, number> {
  const out = new Map<string, number>();
  const entries = JSON.parse(json) as InspectEntry[];
  for (const e of entries) {
    const name = e.Name?.replace(/^\//, '');
    const pid = e.State?.Pid;
    if (name && e.State?.Running && typeof pid === 'number' && pid > 0) out.set(name, pid);
  }
  return out;
}
