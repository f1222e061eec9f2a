import type { LiveInterface, LivePeer } from './dump.js';
import type { DesiredPeer } from './wg-config.js';

/** One difference between the declaration and the live interface, described without any key. */
export interface Drift {
  kind: 'missing' | 'undeclared' | 'changed' | 'interface' | 'reach';
  /** The declared peer's name; for an undeclared peer, its allowed ips. */
  peer?: string;
  detail: string;
}

/** Pure: what differs between what should be on the interface and what `wg show dump` says is. */
export function findDrift(desired: readonly DesiredPeer[], serverPublicKey: string, listenPort: number, live: LiveInterface): Drift[] {
  const drift: Drift[] = [];
  if (live.publicKey !== serverPublicKey) drift.push({ kind: 'interface', detail: 'the interface has another private key' });
  if (live.listenPort !== listenPort) drift.push({ kind: 'interface', detail: `listen port ${live.listenPort}, declared ${listenPort}` });
  const byKey = new Map(live.peers.map((p) => [p.publicKey, p]));
  const declared = new Set(desired.map((p) => p.publicKey));
  for (const peer of desired) {
    const found = byKey.get(peer.publicKey);
    if (!found) {
      drift.push({ kind: 'missing', peer: peer.name, detail: 'not on the interface' });
      continue;
    }
    for (const detail of peerChanges(peer, found)) drift.push({ kind: 'changed', peer: peer.name, detail });
  }
  for (const peer of live.peers) {
    if (!declared.has(peer.publicKey))
      drift.push({ kind: 'undeclared', peer: peer.allowedIps.join(',') || '(no allowed ips)', detail: 'on the interface, not declared' });
  }
  return drift;
}

/** What differs between a declared peer and the same key on the interface (no key in the text). */
function peerChanges(peer: DesiredPeer, found: LivePeer): string[] {
  const changes: string[] = [];
  const allowed = `${peer.address}/32`;
  if (found.allowedIps.join(',') !== allowed) changes.push(`allowed ips ${found.allowedIps.join(',') || '(none)'}, declared ${allowed}`);
  if (found.presharedKey !== peer.presharedKey) changes.push('preshared key differs');
  return changes;
}

/** The changes that bring the live interface to the declaration, and nothing else. */
export interface SyncPlan {
  /** The private key or the listen port differs: both are set (re-binding wireguard-go's socket). */
  interface: boolean;
  /** Public keys of peers on the interface that are not declared. */
  remove: string[];
  /** Declared peers missing from the interface or differing from it (allowed ips, preshared key). */
  upsert: DesiredPeer[];
}

/**
 * Pure: the smallest change to the live interface. Peers equal to their declaration are not part of
 * it: `wg syncconf` would set the listen port (wireguard-go then closes and re-opens its UDP socket,
 * losing the packets of every connected peer in between) and replace every peer's allowed ips.
 */
export function planSync(desired: readonly DesiredPeer[], serverPublicKey: string, listenPort: number, live: LiveInterface): SyncPlan {
  const byKey = new Map(live.peers.map((p) => [p.publicKey, p]));
  const declared = new Set(desired.map((p) => p.publicKey));
  return {
    interface: live.publicKey !== serverPublicKey || live.listenPort !== listenPort,
    remove: live.peers.filter((p) => !declared.has(p.publicKey)).map((p) => p.publicKey),
    upsert: desired.filter((peer) => {
      const found = byKey.get(peer.publicKey);
      return found === undefined || peerChanges(peer, found).length > 0;
    }),
  };
}

/**
 * Pure: the peers whose reach may be opened before the interface changes. A tunnel address still
 * held on the interface by another key (a removed peer whose address a new peer takes) opens only
 * after the interface no longer routes it to the old key; everything else is safe either way (a
 * rule for a peer not yet on the interface matches no packet; a removed peer loses its rules first).
 */
export function reachBeforeSync(desired: readonly DesiredPeer[], live: LiveInterface | undefined): DesiredPeer[] {
  const owner = new Map<string, string>();
  for (const peer of live?.peers ?? []) for (const ip of peer.allowedIps) owner.set(ip.replace(/\/32$/, ''), peer.publicKey);
  return desired.filter((peer) => {
    const current = owner.get(peer.address);
    return current === undefined || current === peer.publicKey;
  });
}

/** The reach pairs the nft set must hold for these peers, sorted as `listReach` returns them. */
export function reachPairs(desired: readonly DesiredPeer[]): string[] {
  return desired.flatMap((peer) => peer.reach.map((d) => `${peer.address} . ${d}`)).sort();
}

/** Pure: drift of the nft reach set (missing table, extra or missing pairs), described without keys. */
export function findReachDrift(desired: readonly DesiredPeer[], live: readonly string[] | undefined): Drift[] {
  if (live === undefined) return [{ kind: 'reach', detail: 'the nft table is missing' }];
  const want = reachPairs(desired);
  const extra = live.filter((p) => !want.includes(p));
  const missing = want.filter((p) => !live.includes(p));
  return [
    ...(extra.length > 0 ? [{ kind: 'reach' as const, detail: `pairs not declared: ${extra.join(', ')}` }] : []),
    ...(missing.length > 0 ? [{ kind: 'reach' as const, detail: `pairs missing: ${missing.join(', ')}` }] : []),
  ];
}
