import type { ServiceDeps, SidecarService } from '@homelab/core';
import { createBridge } from './bridge.js';
import type { BridgeConfig } from './config.js';
import { FORWARDED_SIGNALS } from './supervisor.js';

/** The `run` service: the bridge, and the supervised server when `-- CMD ARGS...` is given. */
export function buildBridge(deps: ServiceDeps<BridgeConfig>): SidecarService {
  const bridge = createBridge({
    config: deps.config,
    log: deps.log,
    runner: deps.runner,
    registry: deps.registry,
    child: deps.rest,
    // The server's own lines stay in the container log, as they are.
    echo: (line) => deps.io.stdout(`${line}\n`),
  });
  for (const signal of FORWARDED_SIGNALS) deps.io.onSignal(signal, () => bridge.supervisor?.forward(signal));
  return {
    checks: {
      upstream: () => ({ ok: bridge.upstream.state === 'ready', detail: { state: bridge.upstream.state, target: bridge.upstream.target } }),
    },
    status: () => ({ upstream: bridge.upstream.state, server: bridge.supervisor?.running ?? null }),
    start: () => bridge.start(deps.lifecycle),
    // The supervised server exited by itself: the bridge stops with its exit code.
    exitCode: () => {
      const childExit = bridge.childExit();
      return childExit ? (childExit.code ?? 1) : undefined;
    },
  };
}
