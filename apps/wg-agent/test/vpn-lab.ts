import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// Relative imports (not the package index, which pulls in vitest): the bench uses these helpers too.
import { appBundle, repoRoot } from '../../../packages/testkit/src/app.js';

import { createNetns, inNetns, ip, netnsPrefix } from '../../../packages/testkit/src/netns.js';
import { startProcess, type TestProcess } from '../../../packages/testkit/src/process.js';
import { makeTempDir } from '../../../packages/testkit/src/temp-dir.js';
import { waitFor } from '../../../packages/testkit/src/wait.js';

/**
 * The private hub as labctl wires it, in namespaces of the test: vpn-edge (the agent, labctl's
 * vpn-edge ruleset), the host (host-pri, forwarding WireGuard's UDP from the WAN), git-ssh and
 * zfs-web on their /31 links (v-git-ssh, v-zfs-web, the lab's addresses), and WAN clients behind
 * the host, each with a real WireGuard client (wireguard-go) made from `peer show` output.
 */
export const serverYaml = (ifname: string) => `interface: ${ifname}
listen_port: 51820
address: 10.200.0.1/24
endpoint: 192.168.101.1:51820
destinations:
  git-ssh: 10.1.1.1
  zfs-web: 10.1.3.1
`;
export const GIT_SSH = '10.1.1.1';
/** The repo root: bench/run.mjs runs a bundled copy elsewhere and says where the repo is. */
const root = process.env.HOMELAB_REPO_ROOT ?? repoRoot;
export const ZFS_WEB = '10.1.3.1';

export interface VpnLab {
  /** The server interface: unique per test process, because wireguard-go's control sockets live in
   * /run/wireguard, which every network namespace of the machine shares. */
  ifname: string;
  edge: string;
  host: string;
  dir: string;
  peersFile: string;
  stateDir: string;
  health: string;
  bundle: string;
  env: Record<string, string>;
  clients: Map<string, string>;
}

const sh = (ns: string, cmd: string, args: string[], input?: string) => inNetns(ns, cmd, args, { input, timeoutMs: 30_000 });

function veth(name: string, a: string, aIp: string, b: string, bIp: string): void {
  ip(['link', 'add', name, 'netns', a, 'type', 'veth', 'peer', 'name', name, 'netns', b]);
  ip(['-n', a, 'addr', 'add', `${aIp}/31`, 'dev', name]);
  ip(['-n', b, 'addr', 'add', `${bIp}/31`, 'dev', name]);
  ip(['-n', a, 'link', 'set', name, 'up']);
  ip(['-n', b, 'link', 'set', name, 'up']);
}

/** Namespaces and links; `clients` names the WAN client namespaces to make (a, b, ...). */
export async function createVpnLab(tag: string, clients: string[], peersYaml: string): Promise<VpnLab> {
  const p = netnsPrefix(tag);
  const edge = createNetns(`${p}e`);
  const host = createNetns(`${p}h`);
  const git = createNetns(`${p}g`);
  const zfs = createNetns(`${p}z`);
  veth('host-pri', host, '192.168.101.0', edge, '192.168.101.1');
  veth('v-git-ssh', edge, '10.1.1.0', git, GIT_SSH);
  veth('v-zfs-web', edge, '10.1.3.0', zfs, ZFS_WEB);
  ip(['-n', edge, 'route', 'add', 'default', 'via', '192.168.101.0']);
  ip(['-n', git, 'route', 'add', 'default', 'via', '10.1.1.0']);
  ip(['-n', zfs, 'route', 'add', 'default', 'via', '10.1.3.0']);
  const clientNs = new Map<string, string>();
  clients.forEach((name, i) => {
    const ns = createNetns(`${p}${name}`);
    veth(`wan-${name}`, host, `198.51.100.${2 * i}`, ns, `198.51.100.${2 * i + 1}`);
    ip(['-n', ns, 'route', 'add', 'default', 'via', `198.51.100.${2 * i}`]);
    clientNs.set(name, ns);
  });
  // Forwarding in the host and the edge namespaces only (never the real host's).
  sh(host, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  sh(edge, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  // labctl's own ruleset of vpn-edge (input from host-pri only WireGuard, forward from the VPN
  // interface to the v-* links only), for this test's interface name.
  const ifname = `wg${process.pid.toString(36)}${tag}`;
  const ruleset = readFileSync(join(root, 'compose/nftables/vpn-edge.nft'), 'utf8').replaceAll('"wg0"', `"${ifname}"`);
  sh(edge, 'nft', ['-f', '-'], ruleset);

  const dir = await makeTempDir('wg-agent-lab-');
  writeFileSync(join(dir, 'wg-agent.yaml'), serverYaml(ifname));
  const peersFile = join(dir, 'peers', 'peers.yaml');
  execFileSync('mkdir', ['-p', join(dir, 'peers')]);
  writeFileSync(peersFile, peersYaml);
  const stateDir = join(dir, 'state');
  const health = join(dir, 'health.sock');
  return {
    ifname,
    edge,
    host,
    dir,
    peersFile,
    stateDir,
    health,
    bundle: process.env.HOMELAB_REPO_ROOT ? join(root, 'apps/wg-agent/dist/main.js') : appBundle('wg-agent'),
    env: { WG_CONFIG: join(dir, 'wg-agent.yaml'), WG_PEERS: peersFile, WG_STATE_DIR: stateDir, HEALTH_LISTEN: health },
    clients: clientNs,
  };
}

export function startAgent(lab: VpnLab, env: Record<string, string> = {}): TestProcess {
  return startProcess('ip', ['netns', 'exec', lab.edge, 'node', lab.bundle, 'run'], {
    env: { ...lab.env, ...env },
    label: 'wg-agent',
  });
}

/** `wg-agent ...` as the owner runs it next to the agent (in vpn-edge). */
export function agentCli(lab: VpnLab, args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync('ip', ['netns', 'exec', lab.edge, 'node', lab.bundle, ...args], {
      env: { ...process.env, ...lab.env, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export interface Client {
  ns: string;
  address: string;
  proc: TestProcess;
}

/**
 * A WireGuard client in its own namespace from `peer show NAME` output: wireguard-go, the config
 * without wg-quick's Address/DNS through `wg setconf`, the address, and routes for its AllowedIPs.
 * `allowedIps` overrides the config's AllowedIPs: a hostile client that routes the whole lab.
 */
export async function startClient(lab: VpnLab, name: string, clientName: string, allowedIps?: string): Promise<Client> {
  const ns = lab.clients.get(clientName);
  if (!ns) throw new Error(`no client namespace ${clientName}`);
  const shown = agentCli(lab, ['peer', 'show', name, '--no-qr']);
  if (shown.code !== 0) throw new Error(`peer show ${name}: ${shown.stderr}`);
  const address = /^Address = ([\d.]+)\/32$/m.exec(shown.stdout)?.[1];
  if (!address) throw new Error(`no Address in peer show output:\n${shown.stdout.replace(/Key = .*/g, 'Key = ...')}`);
  let config = shown.stdout.replace(/^(Address|DNS) = .*\n/gm, '');
  if (allowedIps) config = config.replace(/^AllowedIPs = .*$/m, `AllowedIPs = ${allowedIps}`);
  const file = join(lab.dir, `client-${clientName}.conf`);
  writeFileSync(file, config, { mode: 0o600 });
  const wgc = `wc${process.pid.toString(36)}${clientName}`;
  const proc = startProcess('ip', ['netns', 'exec', ns, 'wireguard-go', '-f', wgc], {
    env: { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1', LOG_LEVEL: 'error' },
    label: `wireguard-go ${clientName}`,
  });
  await waitFor(
    () => {
      try {
        sh(ns, 'wg', ['show', wgc]);
        return true;
      } catch {
        return false;
      }
    },
    { timeoutMs: 10_000, what: `${wgc} in ${ns}` },
  );
  sh(ns, 'wg', ['setconf', wgc, file]);
  ip(['-n', ns, 'addr', 'add', `${address}/32`, 'dev', wgc]);
  ip(['-n', ns, 'link', 'set', wgc, 'up']);
  const allowed = /^AllowedIPs = (.*)$/m.exec(config)?.[1] ?? '';
  for (const net of allowed.split(',').map((s) => s.trim())) ip(['-n', ns, 'route', 'add', net, 'dev', wgc]);
  return { ns, address, proc };
}

/** One ping, true when answered within `waitS` seconds. */
export function ping(ns: string, to: string, waitS = 2): boolean {
  try {
    execFileSync('ip', ['netns', 'exec', ns, 'ping', '-c', '1', '-W', String(waitS), to], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Every key the agent made: private keys and preshared keys from the state folder, and the public keys. */
export function allKeys(lab: VpnLab): string[] {
  const files = execFileSync('find', [lab.stateDir, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  const keys = files.map((f) => readFileSync(f, 'utf8').trim());
  const publics = files
    .filter((f) => f.endsWith('.key'))
    .map((f) => execFileSync('wg', ['pubkey'], { input: readFileSync(f), encoding: 'utf8' }).trim());
  return [...keys, ...publics];
}
