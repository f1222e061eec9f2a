import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { batch, nsRun } from './lab-netns.js';
import { waitFor } from './lab-subset.js';

/** The networks of the lab: the client routes all of them into its tunnel, so what it reaches is vpn-edge's decision. */
export const LAB_NETWORKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

export interface VpnClient {
  ifname: string;
  address: string;
  stop(): Promise<void>;
}

/**
 * A WireGuard client (wireguard-go and wg, as on a laptop) in the namespace `ns`, made from the config
 * `wg-agent peer show NAME --no-qr` printed in vpn-edge: wg-quick's Address/DNS lines go to `ip`, the
 * rest to `wg setconf`; the Endpoint is the host's WAN address (what vpn.example.org resolves to), and
 * AllowedIPs cover every lab network. The interface name is unique per process: wireguard-go's control
 * sockets live in /run/wireguard, which every namespace of the machine shares.
 */
export async function startVpnClient(ns: string, shown: string, endpoint: string, dir: string): Promise<VpnClient> {
  const address = /^Address = ([\d.]+)\/32$/m.exec(shown)?.[1];
  if (!address) throw new Error(`no Address in the peer config:\n${shown.replace(/Key = .*/g, 'Key = ...')}`);
  const config = shown
    .replace(/^(Address|DNS) = .*\n/gm, '')
    .replace(/^Endpoint = .*$/m, `Endpoint = ${endpoint}`)
    .replace(/^AllowedIPs = .*$/m, `AllowedIPs = ${LAB_NETWORKS.join(', ')}`);
  const file = join(dir, 'vpn-client.conf');
  writeFileSync(file, config, { mode: 0o600 });
  const ifname = `wl${process.pid.toString(36)}`;
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, 'wireguard-go', '-f', ifname], {
    env: { ...process.env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1', LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  try {
    await waitFor(async () => (await nsRun(ns, 'wg', ['show', ifname])).code === 0, `${ifname} in ${ns}`, 15_000);
    const set = await nsRun(ns, 'wg', ['setconf', ifname, file]);
    if (set.code !== 0) throw new Error(`wg setconf: ${set.stderr}`);
    await batch(ns, [
      `addr add ${address}/32 dev ${ifname}`,
      `link set ${ifname} up`,
      ...LAB_NETWORKS.map((n) => `route add ${n} dev ${ifname}`),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { ifname, address, stop };
}

/** A TCP connect from `ns` (bash's /dev/tcp, so no tool of the namespace matters): true when it connected. */
export async function tcpConnects(ns: string, host: string, port: number, timeoutS = 3): Promise<boolean> {
  const r = await nsRun(ns, 'timeout', [String(timeoutS), 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`], (timeoutS + 5) * 1000);
  return r.code === 0;
}
