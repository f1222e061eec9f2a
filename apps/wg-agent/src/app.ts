import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ConfigError, type ServiceDeps, type SidecarService } from '@homelab/core';
import { createApplier } from './applier.js';
import type { EnvConfig } from './config.js';
import { activePeers } from './declaration.js';
import { findDrift, findReachDrift } from './drift.js';
import { wgInterface } from './interface.js';
import { fileKeyStore } from './key-store.js';
import { createMetrics } from './metrics.js';
import { NFT_TABLE } from './nft-rules.js';
import { type Declaration, loadDeclaration } from './peers-file.js';
import { type DesiredPeer, desiredPeers } from './wg-config.js';
import { wgTools } from './wg-tools.js';

const WATCH_DEBOUNCE_MS = 200;

/**
 * The agent: makes the interface, applies the declaration, then every WG_INTERVAL (and on every
 * change of the peers file) compares the live interface with the declaration, repairs drift and
 * drops expired peers. The declaration is loaded before anything starts: a bad file is exit 2.
 */
export function build(deps: ServiceDeps<EnvConfig>, options: { netDev?: () => Promise<string> } = {}): SidecarService {
  const { config: env, log, runner, lifecycle, registry, clock } = deps;
  let declaration: Declaration = loadDeclaration(env.WG_CONFIG, env.WG_PEERS);
  const { server } = declaration;
  // Tests may pass what /proc/self/net/dev says; the agent reads it.
  const tools = wgTools(runner, options.netDev);
  const keys = fileKeyStore(env.WG_STATE_DIR);
  const iface = wgInterface({ env, server, runner, tools, log });
  const applier = createApplier({ server, tools, log });
  const metrics = createMetrics(registry, () => clock.now());
  let lastApplied: string | undefined;
  let lastCheck: { at: number; ok: boolean } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const desiredNow = (): DesiredPeer[] =>
    desiredPeers(server, activePeers(declaration.peers, clock.now()), (peer) => keys.peer(peer.name, peer.preshared_key));
  const fingerprint = (desired: readonly DesiredPeer[]) =>
    JSON.stringify(desired.map((p) => [p.name, p.publicKey, p.presharedKey !== undefined, p.address, p.reach]));

  /** Re-reads the peers file; a bad edit is logged and the last good declaration stays in force. */
  const reload = () => {
    try {
      const next = loadDeclaration(env.WG_CONFIG, env.WG_PEERS);
      if (JSON.stringify(next.server) !== JSON.stringify(server)) log.warn('the server settings changed: restart the agent to use them');
      declaration = { server, peers: next.peers };
    } catch (error) {
      const problem = error instanceof ConfigError ? error.message : String(error);
      log.error({ problem }, 'peers file refused, keeping the last good declaration');
    }
  };

  const check = async (reason: string) => {
    reload();
    const serverKeys = keys.server();
    const desired = desiredNow();
    if (!(await tools.linkExists(server.interface))) {
      log.warn({ interface: server.interface }, 'interface missing, making it again');
      await iface.create();
      lastApplied = undefined;
    }
    const live = await tools.dump(server.interface);
    const drift = [
      ...findDrift(desired, serverKeys.publicKey, server.listen_port, live),
      ...findReachDrift(desired, await tools.listReach(NFT_TABLE)),
    ];
    const changed = fingerprint(desired) !== lastApplied;
    if (drift.length > 0 || changed) {
      const result = await applier.apply(serverKeys.privateKey, desired);
      metrics.applied(result.durationMs);
      if (!changed) {
        metrics.repaired();
        log.warn({ drift, durationMs: result.durationMs }, 'drift repaired');
      } else {
        log.info({ reason, peers: desired.map((p) => p.name), durationMs: result.durationMs }, 'peers applied');
      }
      lastApplied = fingerprint(desired);
      metrics.observe(desired, await tools.dump(server.interface));
    } else {
      metrics.observe(desired, live);
    }
  };

  /** One check at a time; a trigger during a check runs one more afterwards. */
  let again = false;
  const trigger = (reason: string) => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await check(reason);
          lastCheck = { at: clock.now(), ok: true };
        } catch (error) {
          metrics.failed();
          lastCheck = { at: clock.now(), ok: false };
          log.error({ err: error }, 'check failed');
        }
      } while (again);
      running = undefined;
    })();
    return running;
  };

  return {
    async start() {
      lifecycle.onStop('wg-agent', async () => {
        clearInterval(timer);
        clearTimeout(debounce);
        watcher?.close();
        await running;
        await iface.destroy();
        await tools.deleteTable(NFT_TABLE);
      });
      keys.server();
      await iface.create();
      await check('start');
      lastCheck = { at: clock.now(), ok: true };
      timer = setInterval(() => void trigger('interval'), env.WG_INTERVAL);
      const file = basename(env.WG_PEERS);
      try {
        watcher = watch(dirname(env.WG_PEERS), (_event, name) => {
          if (name !== null && name !== file) return;
          clearTimeout(debounce);
          debounce = setTimeout(() => void trigger('peers file changed'), WATCH_DEBOUNCE_MS);
        });
      } catch (error) {
        log.warn({ err: error }, 'cannot watch the peers folder; changes apply at the next interval');
      }
    },
    checks: {
      interface: async () => ({ ok: await tools.linkExists(server.interface), detail: server.interface }),
      lastCheck: () => ({ ok: lastCheck?.ok === true, detail: lastCheck }),
    },
    status: () => ({ interface: server.interface, implementation: iface.implementation(), lastCheck }),
  };
}
