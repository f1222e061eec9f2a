import { type Clock, ExecError, type Logger, type Runner } from '@homelab/core';
import type { Publisher } from '@homelab/releases';
import type { MapWatcherConfig } from './config.js';
import type { MapMetrics } from './metrics.js';
import { renderStaging } from './staging.js';

export interface LastRender {
  at: string;
  durationMs: number;
  result: 'ok' | 'failed' | 'timeout' | 'publish-failed';
  release?: string;
  error?: string;
}

/**
 * One render: the renderer writes into staging (its cache stays there between successful renders),
 * then the staging folder is published as a new release. On any failure the published map is
 * untouched, and the next render starts from an empty staging folder (staging.ts). The renderer
 * runs in its own process group: the timeout and a stop kill everything it started.
 */
export function createRenderJob(deps: {
  runner: Runner;
  renderer: string;
  world: string;
  staging: string;
  timeoutMs: number;
  publisher: Publisher;
  /** Absent for the one-shot `render` command, which has no metrics endpoint. */
  metrics?: MapMetrics;
  log: Logger;
  now: () => number;
  onResult: (last: LastRender) => void;
}) {
  const log = deps.log.child({ component: 'render' });
  const staging = renderStaging(deps.staging, log);
  return async ({ startedAt, signal }: { startedAt: number; signal: AbortSignal }): Promise<void> => {
    log.info({ renderer: deps.renderer }, 'render started');
    const finish = (result: LastRender['result'], extra: Partial<LastRender> = {}) => {
      const durationMs = deps.now() - startedAt;
      deps.metrics?.renders.inc({ result });
      deps.metrics?.duration.observe(durationMs / 1000);
      deps.onResult({ at: new Date(startedAt).toISOString(), durationMs, result, ...extra });
      return durationMs;
    };
    try {
      await staging.begin();
      await deps.runner.run(deps.renderer, [deps.world, deps.staging], {
        timeoutMs: deps.timeoutMs,
        signal,
        killAfterMs: 3_000,
        logLevel: 'info',
        processGroup: true,
      });
      await staging.succeeded();
    } catch (error) {
      if (signal.aborted) throw error;
      const timedOut = error instanceof ExecError && error.timedOut;
      const stderr = error instanceof ExecError ? error.stderr.slice(-4000) : undefined;
      deps.metrics?.failures.inc({ reason: timedOut ? 'timeout' : 'failed' });
      const durationMs = finish(timedOut ? 'timeout' : 'failed', { error: (error as Error).message });
      log.error(
        { durationMs, timedOut, stderr, err: error },
        timedOut ? 'render timed out and was killed; keeping the last good map' : 'render failed; keeping the last good map',
      );
      throw error;
    }
    try {
      const result = await deps.publisher.publish(startedAt);
      deps.metrics?.lastSuccess.set(deps.now() / 1000);
      deps.metrics?.publishedFiles.set({ how: 'linked' }, result.linked);
      deps.metrics?.publishedFiles.set({ how: 'copied' }, result.copied);
      const durationMs = finish('ok', { release: result.id });
      log.info({ durationMs, release: result.id, files: result.files, linked: result.linked, copied: result.copied }, 'map published');
    } catch (error) {
      deps.metrics?.failures.inc({ reason: 'publish' });
      const durationMs = finish('publish-failed', { error: (error as Error).message });
      log.error({ durationMs, err: error }, 'publish failed; keeping the last good map');
      throw error;
    }
  };
}

/** The render job from the config, as both the service and the one-shot `render` command build it. */
export function mapRenderJob(
  deps: { runner: Runner; clock: Clock; log: Logger },
  config: MapWatcherConfig,
  renderer: string,
  publisher: Publisher,
  extra: { metrics?: MapMetrics; onResult?: (last: LastRender) => void } = {},
) {
  return createRenderJob({
    runner: deps.runner,
    renderer,
    world: config.MAP_WORLD,
    staging: config.MAP_STAGING,
    timeoutMs: config.MAP_RENDER_TIMEOUT,
    publisher,
    metrics: extra.metrics,
    log: deps.log,
    now: () => deps.clock.now(),
    onResult: extra.onResult ?? (() => {}),
  });
}
