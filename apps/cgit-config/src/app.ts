import type { Lifecycle, Logger } from '@homelab/core';
import { Debouncer } from './debounce.js';
import { type RenderResult, type RenderTargets, renderOnce } from './render.js';
import { watchPool } from './watch.js';

export interface Status {
  renders: number;
  failures: number;
  last?: RenderResult & { at: string };
  lastError?: string;
}

/** The `run` service: render, then watch the pool and re-render after each burst of changes. */
export function createCgitConfigService(t: RenderTargets, opts: { log: Logger; debounceMs: number; rescanMs: number }) {
  const log = opts.log;
  const warned = new Set<string>();
  const status: Status = { renders: 0, failures: 0 };

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

  return {
    status,
    ready: () => status.last !== undefined && status.lastError === undefined,
    async start(lifecycle: Lifecycle): Promise<void> {
      const debouncer = new Debouncer(render, { quietMs: opts.debounceMs, maxWaitMs: Math.max(1000, opts.debounceMs * 3) });
      const watcher = watchPool(t.pool, log.child({ component: 'watch' }), () => debouncer.trigger());
      lifecycle.onStop('watcher', () => watcher.close());
      lifecycle.onStop('renders', () => debouncer.close());
      await watcher.ready;
      // The first render after the watcher is ready, so no change can fall between the two.
      await render();
      if (opts.rescanMs > 0) {
        const timer = setInterval(() => debouncer.trigger(), opts.rescanMs);
        lifecycle.onStop('rescan timer', () => clearInterval(timer));
      }
    },
  };
}
