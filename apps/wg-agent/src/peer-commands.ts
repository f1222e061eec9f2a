import { existsSync } from 'node:fs';
import { type CommandDeps, ConfigError, formatDuration, UsageError } from '@homelab/core';
import type { EnvConfig, Peer } from './config.js';
import { peerSchema } from './config.js';
import { declarationIssues } from './declaration.js';
import type { LiveInterface } from './dump.js';
import { cidrRange, intToIpv4, ipv4ToInt, parseCidr } from './grammar.js';
import { fileKeyStore } from './key-store.js';
import { editPeersFile, loadDeclaration } from './peers-file.js';
import { terminalQr, writePngQr } from './qr.js';
import { desiredPeers, renderClientConfig } from './wg-config.js';
import { wgTools } from './wg-tools.js';

/** `wg-agent peer add|remove|list|show NAME`: the owner's commands, run next to the agent. */
export async function peerCommand(deps: CommandDeps<EnvConfig>): Promise<number> {
  const [action, name, ...extra] = deps.args;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (action === 'list') return list(deps);
  if (!name) throw new UsageError(`peer ${action ?? ''}: a peer NAME is required`.replace('  ', ' '));
  if (action === 'add') return add(deps, name);
  if (action === 'remove') return remove(deps, name);
  if (action === 'show') return show(deps, name);
  throw new UsageError(`peer: unknown action "${action ?? ''}"; expected add, remove, list or show`);
}

function nextFreeAddress(serverAddress: string, peers: readonly Peer[]): string {
  const subnet = parseCidr(serverAddress);
  if (!subnet) throw new UsageError('the server address is not a CIDR');
  const [first, last] = cidrRange(subnet);
  const taken = new Set([ipv4ToInt(subnet.address), ...peers.map((p) => ipv4ToInt(p.address))]);
  for (let n = first + 1; n < last; n++) if (!taken.has(n)) return intToIpv4(n);
  throw new UsageError(`the client subnet ${serverAddress} is full`);
}

async function add(deps: CommandDeps<EnvConfig>, name: string): Promise<number> {
  const { config: env, flags, io } = deps;
  const declaration = loadDeclaration(env.WG_CONFIG, env.WG_PEERS);
  if (declaration.peers.some((p) => p.name === name)) throw new UsageError(`peer ${name} exists; remove it first`);
  const allow = (flags.allow as string[] | undefined)?.flatMap((a) => a.split(',')).filter(Boolean) ?? [];
  const raw: Record<string, unknown> = {
    name,
    address: (flags.address as string | undefined) ?? nextFreeAddress(declaration.server.address, declaration.peers),
    allow,
  };
  if (flags.psk === true) raw.preshared_key = true;
  if (flags.expires !== undefined) raw.expires = flags.expires;
  const parsed = peerSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ key: `--${String(i.path[0] ?? 'name')}`, problem: i.message })));
  }
  const issues = declarationIssues(declaration.server, [...declaration.peers, parsed.data]);
  if (issues.length > 0) throw new ConfigError(issues);
  // Keys first: once the agent sees the entry, the keys are there.
  fileKeyStore(env.WG_STATE_DIR).peer(name, parsed.data.preshared_key);
  await editPeersFile(env.WG_PEERS, (seq) => {
    seq.add(raw);
  });
  io.stdout(`peer ${name} added with address ${raw.address as string}; \`wg-agent peer show ${name}\` prints its config\n`);
  return 0;
}

async function remove(deps: CommandDeps<EnvConfig>, name: string): Promise<number> {
  const { config: env, io } = deps;
  const declaration = loadDeclaration(env.WG_CONFIG, env.WG_PEERS);
  const index = declaration.peers.findIndex((p) => p.name === name);
  if (index < 0) throw new UsageError(`no peer ${name}`);
  await editPeersFile(env.WG_PEERS, (seq) => {
    seq.delete(index);
  });
  fileKeyStore(env.WG_STATE_DIR).removePeer(name);
  io.stdout(`peer ${name} removed; its keys are deleted\n`);
  return 0;
}

async function liveState(deps: CommandDeps<EnvConfig>, ifname: string): Promise<LiveInterface | undefined> {
  return wgTools(deps.runner)
    .tryDump(ifname)
    .catch(() => undefined);
}

async function list(deps: CommandDeps<EnvConfig>): Promise<number> {
  const { config: env, io, clock } = deps;
  const { server, peers } = loadDeclaration(env.WG_CONFIG, env.WG_PEERS);
  const keys = fileKeyStore(env.WG_STATE_DIR);
  const live = await liveState(deps, server.interface);
  const byKey = new Map(live?.peers.map((p) => [p.publicKey, p]) ?? []);
  const rows = [['NAME', 'ADDRESS', 'ALLOW', 'PSK', 'EXPIRES', 'STATE', 'HANDSHAKE', 'RX', 'TX']];
  for (const peer of peers) {
    const expired = peer.expires !== undefined && peer.expires <= clock.now();
    const stats = existsSync(env.WG_STATE_DIR) ? byKey.get(keys.peer(peer.name, peer.preshared_key).publicKey) : undefined;
    const handshake =
      stats && stats.latestHandshake > 0
        ? `${formatDuration(Math.max(0, Math.round(clock.now() / 1000 - stats.latestHandshake)) * 1000)} ago`
        : '-';
    rows.push([
      peer.name,
      peer.address,
      peer.allow.join(',') || '-',
      peer.preshared_key ? 'yes' : 'no',
      peer.expires !== undefined ? new Date(peer.expires).toISOString() : '-',
      expired ? 'expired' : live === undefined ? 'unknown' : stats ? 'applied' : 'pending',
      handshake,
      String(stats?.rxBytes ?? '-'),
      String(stats?.txBytes ?? '-'),
    ]);
  }
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length))) ?? [];
  for (const row of rows)
    io.stdout(
      `${row
        .map((cell, col) => cell.padEnd(widths[col] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  return 0;
}

async function show(deps: CommandDeps<EnvConfig>, name: string): Promise<number> {
  const { config: env, io, flags } = deps;
  const { server, peers } = loadDeclaration(env.WG_CONFIG, env.WG_PEERS);
  const peer = peers.find((p) => p.name === name);
  if (!peer) throw new UsageError(`no peer ${name}`);
  const store = fileKeyStore(env.WG_STATE_DIR);
  const keys = store.peer(peer.name, peer.preshared_key);
  const [desired] = desiredPeers(server, [peer], () => keys);
  if (!desired) throw new UsageError(`no peer ${name}`);
  const config = renderClientConfig(server, store.server().publicKey, desired, keys.privateKey);
  const png = flags.png as string | undefined;
  if (png) {
    if (existsSync(png)) throw new UsageError(`--png: ${png} exists; the PNG holds a private key and is never written over a file`);
    await writePngQr(png, config);
  }
  io.stdout(config);
  if (flags['no-qr'] !== true) io.stdout(`\n${await terminalQr(config)}`);
  return 0;
}
