import { quietRenderJob, type ServiceDeps, type SidecarService } from '@homelab/core';
import { type CgitConfigEnv, targetsFrom } from './config.js';
import { type FollowingWatcher, followPool } from './follow-pool.js';
import { superviseLighttpd } from './lighttpd-supervisor.js';
import { type RenderResult, type RenderTargets, renderOnce } from './render.js';

export interface Status {
  renders: number;
  failures: number;
  last?: RenderResult & { at: string };
  lastError?: string;
}

/** The `run` service: render, then watch the pool and re-render after each burst of changes. */
export function buildCgitConfig(deps: ServiceDeps<CgitConfigEnv>): SidecarService {
  const { log, lifecycle, runner, config, clock } = deps;
  const t: RenderTargets = targetsFrom(config);
  const opts = {
    debounceMs: config.CGIT_DEBOUNCE,
    rescanMs: config.CGIT_RESCAN_INTERVAL,
    /** Run this lighttpd binary on the rendered config. */
    lighttpdBin: config.CGIT_LIGHTTPD_RUN ? config.CGIT_LIGHTTPD_BIN : undefined,
  };
  const warned = new Set<string>();
  const status: Status = { renders: 0, failures: 0 };
  let lighttpd: ReturnType<typeof superviseLighttpd> | undefined;
  let watcher: FollowingWatcher | undefined;

  const render = async () => {
    try {
      const result = await renderOnce(t, log, warned);
      status.renders++;
      status.last = { ...result, at: new Date().toISOString() };
      status.lastError = undefined;
    } catch (error) {
      status.failures++;
      status.lastError = (error as Error).message;
      log.error({ err: error }, 'render failed; keeping the last good cgitrc');
    }
  };

  const ready = () => status.last !== undefined && status.lastError === undefined && (lighttpd === undefined || lighttpd.isRunning());
  return {
    checks: {
      render: () => ({ ok: ready(), detail: status.lastError ?? 'rendered' }),
      watch: () => watcher?.health() ?? { ok: false, detail: 'starting' },
    },
    status: () => ({ ...status }),
    /** 1 when the supervised lighttpd died on its own. */
    exitCode: () => (lighttpd?.failed() ? 1 : undefined),
    async start(): Promise<void> {
      // A push or a `git config` rewrite settles within the quiet period; render() keeps its own errors.
      const renders = quietRenderJob({ clock, log, quietMs: opts.debounceMs, render });
      const pool = followPool(t.pool, log.child({ component: 'watch' }), () => renders.notifyChanges());
      watcher = pool;
      lifecycle.onStop('watcher', () => pool.close());
      lifecycle.onStop('renders', () => renders.stop());
      await pool.ready;
      // The first render after the watcher is ready, so no change can fall between the two; changes
      // seen meanwhile wait in the job, which starts after it (one render at a time).
      await render();
      renders.start();
      if (opts.lighttpdBin !== undefined && t.lighttpdOut !== undefined) {
        lighttpd = superviseLighttpd({
          runner,
          lifecycle,
          log: log.child({ component: 'lighttpd' }),
          binary: opts.lighttpdBin,
          config: t.lighttpdOut,
        });
      }
      if (opts.rescanMs > 0) {
        const timer = setInterval(() => renders.notifyChanges(), opts.rescanMs);
        lifecycle.onStop('rescan timer', () => clearInterval(timer));
      }
    },
  };
}
