import type { Logger } from '@homelab/core';
import type { ServerConfig } from './config.js';
import { planSync, reachBeforeSync } from './drift.js';
import { publicKeyOf } from './keys.js';
import { renderRuleset } from './nft-rules.js';
import { type DesiredPeer, renderPeerChanges, renderServerConfig } from './wg-config.js';
import type { WgTools } from './wg-tools.js';

export interface ApplyResult {
  durationMs: number;
  /** 2 when the reach rules needed a second step (a tunnel address moved between keys). */
  nftSteps: number;
}

/**
 * Applies a declaration to the live interface without dropping anyone: only what differs from the
 * live interface is changed (`wg set ... remove` for undeclared peers, `wg addconf` for new or changed
 * ones; peers equal to their declaration are not touched, see planSync), and the reach rules are
 * loaded as whole-table `nft -f` transactions ordered around it so that no peer can reach more than
 * its old or its new declaration allows at any moment (see reachBeforeSync).
 */
export function createApplier(deps: { server: ServerConfig; tools: WgTools; log: Logger; now?: () => number }) {
  const { server, tools } = deps;
  const now = deps.now ?? (() => performance.now());
  let queue: Promise<unknown> = Promise.resolve();

  const applyNow = async (privateKey: string, desired: readonly DesiredPeer[]): Promise<ApplyResult> => {
    const started = now();
    const live = await tools.dump(server.interface).catch(() => undefined);
    const first = reachBeforeSync(desired, live);
    await tools.loadRuleset(renderRuleset(server.interface, first));
    if (live === undefined) {
      // The interface could not be read: the whole config, whatever it holds.
      await tools.syncconf(server.interface, renderServerConfig(server, privateKey, desired));
    } else {
      const plan = planSync(desired, publicKeyOf(privateKey), server.listen_port, live);
      // Removals first: a removed peer is off the interface before a new one takes its address.
      if (plan.remove.length > 0) await tools.removePeers(server.interface, plan.remove);
      const changes = renderPeerChanges(server, privateKey, plan);
      if (changes !== '') await tools.addconf(server.interface, changes);
    }
    let nftSteps = 1;
    if (first.length !== desired.length) {
      await tools.loadRuleset(renderRuleset(server.interface, desired));
      nftSteps = 2;
    }
    return { durationMs: Math.round(now() - started), nftSteps };
  };

  return {
    /** Applies are serialised: the file watcher, the interval and start never interleave. */
    apply(privateKey: string, desired: readonly DesiredPeer[]): Promise<ApplyResult> {
      const run = queue.then(() => applyNow(privateKey, desired));
      queue = run.catch(() => {});
      return run;
    },
  };
}
