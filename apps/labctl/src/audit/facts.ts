import { readFile, stat } from 'node:fs/promises';
import { type Attestation, ExecError, parseProcStatus, parseRootReadOnly, type Runner } from '@homelab/core';
import type { Podman } from '../lab/podman.js';

/** What audit observes about one running container: podman's record and the kernel's view of its PID 1. */
export interface ContainerFacts {
  podmanName: string;
  pid: number;
  inspect: {
    effectiveCaps: string[];
    boundingCaps: string[];
    readonlyRootfs: boolean;
    privileged: boolean;
    securityOpt: string[];
    modes: Record<'network' | 'pid' | 'ipc' | 'uts' | 'userns' | 'cgroupns', string>;
    imageUser: string;
    appArmorProfile: string;
    mounts: { type: string; source: string; destination: string; rw: boolean; name?: string }[];
  };
  /** /proc/<pid>/status and mountinfo of the container's PID 1, read from the host. */
  proc: Omit<Attestation, 'rootReadOnly'> & { rootReadOnly: boolean | null };
  /** Namespaces (net, pid, ipc, uts, mnt) the container shares with the host (PID 1) or with labctl. */
  sharedNamespaces: string[];
  /** Interface names in the container's network namespace. */
  interfaces: string[];
  /** The sidecar's own view at GET /attest, when it has a health server; an error text when it did not answer. */
  attest?: Attestation | { error: string };
}

// biome-ignore lint/suspicious/noExplicitAny: podman inspect JSON is read defensively field by field
type Json = Record<string, any>;

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Pure: the fields of `podman container inspect` that the audit needs. */
export function inspectFacts(raw: Json): ContainerFacts['inspect'] {
  const hc: Json = raw.HostConfig ?? {};
  return {
    effectiveCaps: list(raw.EffectiveCaps),
    boundingCaps: list(raw.BoundingCaps),
    readonlyRootfs: hc.ReadonlyRootfs === true,
    privileged: hc.Privileged === true,
    securityOpt: list(hc.SecurityOpt),
    modes: {
      network: str(hc.NetworkMode),
      pid: str(hc.PidMode),
      ipc: str(hc.IpcMode),
      uts: str(hc.UTSMode),
      userns: str(hc.UsernsMode),
      cgroupns: str(hc.CgroupnsMode),
    },
    imageUser: str(raw.Config?.User),
    appArmorProfile: str(raw.AppArmorProfile),
    mounts: (Array.isArray(raw.Mounts) ? (raw.Mounts as Json[]) : []).map((m) => ({
      type: str(m.Type),
      source: str(m.Source),
      destination: str(m.Destination),
      rw: m.RW === true,
      ...(m.Name ? { name: str(m.Name) } : {}),
    })),
  };
}

const NAMESPACES = ['net', 'pid', 'ipc', 'uts', 'mnt'] as const;

async function nsId(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

export interface FactsDeps {
  podman: Podman;
  runner: Runner;
  /** Where /proc is (tests never need another, but it keeps the reads in one place). */
  proc?: string;
}

/** Gathers the facts of one running container; undefined when it is not running. */
export async function gatherFacts(podmanName: string, hasHealthServer: boolean, deps: FactsDeps): Promise<ContainerFacts | undefined> {
  const proc = deps.proc ?? '/proc';
  const raw = (await deps.podman.inspect(podmanName)) as Json | undefined;
  const pid = Number(raw?.State?.Pid ?? 0);
  if (raw?.State?.Running !== true || pid <= 0) return undefined;
  const [status, mountinfo] = await Promise.all([readFile(`${proc}/${pid}/status`, 'utf8'), readFile(`${proc}/${pid}/mountinfo`, 'utf8')]);
  const sharedNamespaces: string[] = [];
  for (const ns of NAMESPACES) {
    const [mine, host, self] = await Promise.all([
      nsId(`${proc}/${pid}/ns/${ns}`),
      nsId(`${proc}/1/ns/${ns}`),
      nsId(`${proc}/self/ns/${ns}`),
    ]);
    if (mine !== undefined && (mine === host || mine === self)) sharedNamespaces.push(ns);
  }
  let interfaces: string[] = [];
  try {
    const { stdout } = await deps.runner.run('nsenter', [`--net=${proc}/${pid}/ns/net`, '--', 'ip', '-j', 'link', 'show'], {
      timeoutMs: 20_000,
    });
    interfaces = (JSON.parse(stdout) as { ifname?: string }[]).flatMap((l) => (l.ifname ? [l.ifname] : []));
  } catch (error) {
    if (!(error instanceof ExecError)) throw error;
  }
  const facts: ContainerFacts = {
    podmanName,
    pid,
    inspect: inspectFacts(raw),
    proc: { ...parseProcStatus(status), rootReadOnly: parseRootReadOnly(mountinfo) },
    sharedNamespaces,
    interfaces,
  };
  if (hasHealthServer) {
    // The health server listens on the container's own loopback: ask from inside its network namespace
    // with the host's wget (as `status` does), so the container needs no tool of its own.
    try {
      const { stdout } = await deps.runner.run(
        'nsenter',
        [`--net=${proc}/${pid}/ns/net`, '--', 'wget', '-q', '-T', '5', '-t', '1', '-O', '-', 'http://127.0.0.1:9000/attest'],
        { timeoutMs: 20_000 },
      );
      facts.attest = JSON.parse(stdout) as Attestation;
    } catch (error) {
      if (error instanceof ExecError) facts.attest = { error: `GET /attest failed (exit ${error.processExitCode ?? '?'})` };
      else if (error instanceof SyntaxError) facts.attest = { error: 'GET /attest did not answer JSON' };
      else throw error;
    }
  }
  return facts;
}

/** AppArmor is checked only where the kernel has it. */
export async function apparmorAvailable(): Promise<boolean> {
  try {
    return (await readFile('/sys/module/apparmor/parameters/enabled', 'utf8')).trim() === 'Y';
  } catch {
    return false;
  }
}
