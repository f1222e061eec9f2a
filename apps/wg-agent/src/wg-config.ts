import type { Peer, ServerConfig } from './config.js';
import type { SyncPlan } from './drift.js';
import { parseCidr } from './grammar.js';
import type { PeerKeys } from './key-store.js';

/** A peer as it goes onto the interface: name, keys and its one tunnel address. */
export interface DesiredPeer {
  name: string;
  publicKey: string;
  presharedKey?: string;
  address: string;
  /** Destination addresses this peer may reach (for nft and the client's AllowedIPs). */
  reach: string[];
}

export function desiredPeers(server: ServerConfig, peers: readonly Peer[], keysOf: (peer: Peer) => PeerKeys): DesiredPeer[] {
  return peers.map((peer) => {
    const keys = keysOf(peer);
    return {
      name: peer.name,
      publicKey: keys.publicKey,
      ...(keys.presharedKey ? { presharedKey: keys.presharedKey } : {}),
      address: peer.address,
      reach: [...new Set(peer.allow.map((d) => server.destinations[d]).filter((a): a is string => a !== undefined))].sort(),
    };
  });
}

/**
 * The server's config in `wg setconf`/`wg syncconf` form (no wg-quick keys). Every value here went
 * through the grammar (keys, addresses) before; names appear only as comments that cannot break a line.
 */
export function renderServerConfig(server: ServerConfig, privateKey: string, peers: readonly DesiredPeer[]): string {
  const lines = ['[Interface]', `PrivateKey = ${privateKey}`, `ListenPort = ${server.listen_port}`];
  for (const peer of peers) {
    lines.push('', `# ${peer.name}`, '[Peer]', `PublicKey = ${peer.publicKey}`);
    if (peer.presharedKey) lines.push(`PresharedKey = ${peer.presharedKey}`);
    lines.push(`AllowedIPs = ${peer.address}/32`);
  }
  return `${lines.join('\n')}\n`;
}

/** A preshared key of 32 zero bytes: WireGuard's "none", so a peer's key can be taken away too. */
const NO_PRESHARED_KEY = Buffer.alloc(32).toString('base64');

/**
 * The changes of a sync plan in `wg addconf` form: the interface lines only when they differ (setting
 * the listen port re-binds wireguard-go's socket), and only the peers to add or change, each with its
 * preshared key (or none) and allowed ips. Peers left out are not touched at all.
 */
export function renderPeerChanges(server: ServerConfig, privateKey: string, plan: Pick<SyncPlan, 'interface' | 'upsert'>): string {
  const lines = plan.interface ? ['[Interface]', `PrivateKey = ${privateKey}`, `ListenPort = ${server.listen_port}`] : [];
  for (const peer of plan.upsert) {
    if (lines.length > 0) lines.push('');
    lines.push(`# ${peer.name}`, '[Peer]', `PublicKey = ${peer.publicKey}`);
    lines.push(`PresharedKey = ${peer.presharedKey ?? NO_PRESHARED_KEY}`, `AllowedIPs = ${peer.address}/32`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** The client's config (wg-quick form): what `peer show` prints and encodes as a QR code. */
export function renderClientConfig(server: ServerConfig, serverPublicKey: string, peer: DesiredPeer, privateKey: string): string {
  const subnet = parseCidr(server.address);
  const lines = ['[Interface]', `PrivateKey = ${privateKey}`, `Address = ${peer.address}/32`];
  if (server.dns.length > 0) lines.push(`DNS = ${server.dns.join(', ')}`);
  lines.push('', '[Peer]', `PublicKey = ${serverPublicKey}`);
  if (peer.presharedKey) lines.push(`PresharedKey = ${peer.presharedKey}`);
  // The edge's tunnel address too, so the client can ping it (the edge answers echo only).
  const allowed = [...(subnet ? [`${subnet.address}/32`] : []), ...peer.reach.map((a) => `${a}/32`)];
  lines.push(`AllowedIPs = ${allowed.join(', ')}`, `Endpoint = ${server.endpoint}`);
  if (server.keepalive > 0) lines.push(`PersistentKeepalive = ${server.keepalive}`);
  return `${lines.join('\n')}\n`;
}
