import { createRunner, type Lifecycle, type Logger } from '@homelab/core';
import { Debouncer } from './debounce.js';
import { superviseLighttpd } from './lighttpd-supervisor.js';
import { type RenderResult, type RenderTargets, renderOnce } from './render.js';
import { watchPool } from './watch.js';

export interface Status {
  renders: number;
  failures: number;
  last?: RenderResult & { at: string };
  lastError?: string;
}

/** The `run` service: render, then watch the pool and re-render after each burst of changes. */
export function createCgitConfigService(
  t: RenderTargets,
  opts: { log: Logger; debounceMs: number; rescanMs: number /** Run this lighttpd binary on the rendered config. */; lighttpdBin?: string },
) {
  const log = opts.log;
  const warned = new Set<string>();
  const status: Status = { renders: 0, failures: 0 };
  let lighttpd: ReturnType<typeof superviseLighttpd> | undefined;

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
    ready: () => status.last !== undefined && status.lastError === undefined && (lighttpd === undefined || lighttpd.isRunning()),
    /** True when the supervised lighttpd died on its own (the service then stops with exit code 1). */
    failed: () => lighttpd?.failed() ?? false,
    async start(lifecycle: Lifecycle): Promise<void> {
      const debouncer = new Debouncer(render, { quietMs: opts.debounceMs, maxWaitMs: Math.max(1000, opts.debounceMs * 3) });
      const watcher = watchPool(t.pool, log.child({ component: 'watch' }), () => debouncer.trigger());
      lifecycle.onStop('watcher', () => watcher.close());
      lifecycle.onStop('renders', () => debouncer.close());
      await watcher.ready;
      // The first render after the watcher is ready, so no change can fall between the two.
      await render();
      if (opts.lighttpdBin !== undefined && t.lighttpdOut !== undefined) {
        const runner = createRunner({ log });
        lighttpd = superviseLighttpd({
          runner,
          lifecycle,
          log: log.child({ component: 'lighttpd' }),
          binary: opts.lighttpdBin,
          config: t.lighttpdOut,
        });
      }
      if (opts.rescanMs > 0) {
        const timer = setInterval(() => debouncer.trigger(), opts.rescanMs);
        lifecycle.onStop('rescan timer', () => clearInterval(timer));
      }
    },
  };
}
