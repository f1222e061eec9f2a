import { mkdir } from 'node:fs/promises';
import type { ServiceDeps, SidecarService } from '@homelab/core';
import type { EnvConfig, GuardConfig } from './config.js';
import { createDdns, createDnsLookup, type DnsLookup } from './ddns.js';
import { createEngine } from './engine.js';
import { createFollower } from './follower.js';
import { createGuardMetrics } from './metrics.js';
import { createNft, type Nft } from './nft.js';
import { policyOptions } from './policy-options.js';
import { stateFile, unbanSpoolPath } from './state.js';

export interface BuildOptions {
  guard: GuardConfig;
  /** Tests may pass their own; the daemon uses node:dns with the configured servers. */
  dns?: DnsLookup;
  nft?: Nft;
}

/** Builds the daemon: follower -> policy -> nft batches, the periodic re-assertion, the DDNS allowlist. */
export async function build(deps: ServiceDeps<EnvConfig>, options: BuildOptions): Promise<SidecarService> {
  const { guard } = options;
  const { log, clock, lifecycle, registry } = deps;
  await mkdir(guard.state_dir, { recursive: true, mode: 0o700 });
  const store = stateFile(guard.state_dir);
  const restored = await store.read();
  const metrics = createGuardMetrics(registry);
  const nft = options.nft ?? createNft(deps.runner, deps.config.EDGE_GUARD_NFT, lifecycle.signal);
  const ddnsCfg = guard.ddns;
  const ddns = ddnsCfg
    ? createDdns({
        names: ddnsCfg.names,
        ttlMinMs: ddnsCfg.ttl_min,
        ttlMaxMs: ddnsCfg.ttl_max,
        graceMs: ddnsCfg.grace,
        dns: options.dns ?? createDnsLookup(ddnsCfg.servers, ddnsCfg.query_timeout),
        clock,
        log: log.child({ component: 'ddns' }),
        restored: restored.ddns,
      })
    : undefined;
  const engine = createEngine({
    policy: policyOptions(guard),
    nft,
    clock,
    log,
    metrics,
    store,
    restored,
    unbanSpool: unbanSpoolPath(guard.state_dir),
    ...(ddns && ddnsCfg ? { ddns: { ddns, port: ddnsCfg.port, elementTimeoutMs: ddnsCfg.element_timeout } } : {}),
  });
  const follower = createFollower({
    path: guard.log,
    from: guard.from,
    ...(restored.position ? { resume: restored.position } : {}),
    onLines: (lines) => engine.ingest(lines),
    onEvent: (event, detail) => log.info({ ...detail, path: guard.log }, `log ${event}`),
  });
  let logOk = false;
  const loops: Promise<void>[] = [];
  const every = (name: string, ms: number, work: () => Promise<void>, sleepFirst = false) =>
    loops.push(
      (async () => {
        if (sleepFirst) await clock.sleep(ms, lifecycle.signal).catch(() => {});
        while (!lifecycle.signal.aborted) {
          try {
            await work();
          } catch (error) {
            if (!lifecycle.signal.aborted) log.error({ err: error, loop: name }, 'loop failed; retrying');
          }
          await clock.sleep(ms, lifecycle.signal).catch(() => {});
        }
      })(),
    );

  return {
    async start() {
      // The persisted bans and the last admitted addresses are in force before the log or DNS is read.
      await engine.reconcile();
      every('log', guard.poll, async () => {
        try {
          await follower.poll();
          logOk = true;
        } catch (error) {
          logOk = false;
          throw error;
        }
        engine.setPosition(follower.position());
        if (engine.hasPending()) {
          await engine.flushBans();
          await engine.persist();
        }
      });
      every(
        'reconcile',
        guard.interval,
        async () => {
          await engine.reconcile();
          await engine.persist();
        },
        true,
      );
      if (ddns) every('ddns', 1_000, () => engine.refreshDdns());
      lifecycle.onStop('edge-guard', async () => {
        await Promise.allSettled(loops);
        await follower.close();
        await engine.persist();
      });
    },
    checks: {
      nft: () => ({ ok: engine.lastReconcile()?.ok === true, detail: engine.lastReconcile() }),
      log: () => ({ ok: logOk, detail: guard.log }),
    },
    status: () => ({ ...engine.status(), log: guard.log }),
  };
}
