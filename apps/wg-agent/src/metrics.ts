import { Counter, Gauge, type Registry } from 'prom-client';
import type { LiveInterface } from './dump.js';

/** A peer counts as up when its latest handshake is younger than this (WireGuard rekeys every 2 min). */
export const UP_WINDOW_S = 180;

export interface PeerStats {
  name: string;
  publicKey: string;
}

/**
 * Metrics by peer name only: no key, public or not, is ever a label. Values come from the last
 * `wg show dump` the agent took (every interval and after every apply).
 */
export function createMetrics(registry: Registry, nowMs: () => number) {
  let snapshot: { peers: readonly PeerStats[]; live: LiveInterface } | undefined;
  const byName = () => {
    const live = new Map(snapshot?.live.peers.map((p) => [p.publicKey, p]) ?? []);
    return (snapshot?.peers ?? []).map((peer) => ({ name: peer.name, live: live.get(peer.publicKey) }));
  };
  const age = (handshake: number) => (handshake === 0 ? -1 : Math.max(0, nowMs() / 1000 - handshake));

  new Gauge({
    name: 'wg_agent_peer_handshake_age_seconds',
    help: 'seconds since the peer’s latest handshake (-1: never)',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of byName()) this.set({ peer: p.name }, age(p.live?.latestHandshake ?? 0));
    },
  });
  new Gauge({
    name: 'wg_agent_peer_receive_bytes',
    help: 'bytes received from the peer (since the interface was made)',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of byName()) this.set({ peer: p.name }, p.live?.rxBytes ?? 0);
    },
  });
  new Gauge({
    name: 'wg_agent_peer_transmit_bytes',
    help: 'bytes sent to the peer (since the interface was made)',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of byName()) this.set({ peer: p.name }, p.live?.txBytes ?? 0);
    },
  });
  new Gauge({
    name: 'wg_agent_peers_up',
    help: `declared peers with a handshake in the last ${UP_WINDOW_S} s`,
    registers: [registry],
    collect() {
      this.set(byName().filter((p) => p.live && p.live.latestHandshake > 0 && age(p.live.latestHandshake) < UP_WINDOW_S).length);
    },
  });
  new Gauge({
    name: 'wg_agent_peers_declared',
    help: 'peers in force (declared and not expired)',
    registers: [registry],
    collect() {
      this.set(snapshot?.peers.length ?? 0);
    },
  });
  const repairs = new Counter({
    name: 'wg_agent_drift_repairs_total',
    help: 'drift found on the interface and repaired',
    registers: [registry],
  });
  const applies = new Counter({ name: 'wg_agent_applies_total', help: 'declarations applied', registers: [registry] });
  const failures = new Counter({ name: 'wg_agent_apply_failures_total', help: 'applies or checks that failed', registers: [registry] });
  const applySeconds = new Gauge({ name: 'wg_agent_last_apply_seconds', help: 'duration of the last apply', registers: [registry] });

  return {
    observe(peers: readonly PeerStats[], live: LiveInterface) {
      snapshot = { peers, live };
    },
    applied(durationMs: number) {
      applies.inc();
      applySeconds.set(durationMs / 1000);
    },
    repaired: () => repairs.inc(),
    failed: () => failures.inc(),
  };
}
