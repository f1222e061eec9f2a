import { DebouncedJob, initialDebounce, type ReadinessCheck, type ServiceDeps, type SidecarService } from '@homelab/core';
import { Publisher, releaseLayout } from '@homelab/releases';
import type { MapWatcherConfig } from './config.js';
import { scheduleSettings } from './config.js';
import { needsInitialRender } from './initial-render.js';
import { createMapMetrics } from './metrics.js';
import { preflight } from './preflight.js';
import { type LastRender, mapRenderJob } from './render.js';
import { newestInputTime, watchWorld } from './watcher.js';

/**
 * Builds the sidecar without starting it: `checks` and `status` go to the health server, `start`
 * runs the watcher, scheduler and release clean-up, each with a stop hook. The start-up checks
 * (preflight) run first, so a bad world or renderer is exit 2 before anything listens.
 */
export async function buildMapWatcher(deps: ServiceDeps<MapWatcherConfig>): Promise<SidecarService> {
  const { config, clock, lifecycle, registry } = deps;
  const layout = releaseLayout(config.MAP_OUTPUT, config.MAP_RELEASES);
  const { renderer } = await preflight(config, layout, deps.env.PATH);
  let watching = false;
  let lastRender: LastRender | undefined;
  let scheduler: DebouncedJob | undefined;
  let publisher: Publisher | undefined;

  const checks: Record<string, ReadinessCheck> = {
    watcher: () => ({ ok: watching, detail: watching ? 'watching' : 'starting' }),
  };

  const status = () => {
    const snap = scheduler?.snapshot();
    return {
      lastRender: lastRender ?? null,
      rendering: snap?.running ?? false,
      pendingChanges: snap?.pendingChanges ?? 0,
      nextRenderAt: snap?.nextRunAt === undefined ? null : new Date(snap.nextRunAt).toISOString(),
      consecutiveFailures: snap?.failures ?? 0,
      currentRelease: publisher?.current?.current ?? null,
    };
  };

  async function start(): Promise<void> {
    const log = deps.log;
    publisher = new Publisher({
      layout,
      staging: config.MAP_STAGING,
      graceMs: config.MAP_RELEASE_GRACE,
      clock,
      log: log.child({ component: 'publish' }),
    });
    await publisher.init();
    const metrics = createMapMetrics(registry, () => scheduler?.snapshot().pendingChanges ?? 0);
    const render = mapRenderJob(deps, config, renderer, publisher, {
      metrics,
      onResult: (last) => {
        lastRender = last;
      },
    });
    const sched = new DebouncedJob({
      clock,
      settings: scheduleSettings(config),
      initial: initialDebounce({ now: clock.now(), runAtStart: false }),
      run: render,
      log,
      name: 'render',
    });
    scheduler = sched;
    // Watch first, then look at the world: a change in between is seen by one or the other.
    const watcher = await watchWorld(config.MAP_WORLD, {
      log,
      onChange: () => {
        metrics.changes.inc();
        sched.notifyChanges();
      },
    });
    lifecycle.onStop('watcher', () => watcher.close());
    const newest = await newestInputTime(config.MAP_WORLD);
    const published = publisher.current;
    if (needsInitialRender({ publishedSourceTime: published?.sourceTime, newestInputTime: newest })) {
      log.info(
        { published: published?.current ?? null, newestInput: newest ? new Date(newest).toISOString() : null },
        'map missing or older than the world: rendering now',
      );
      sched.requestRun();
    } else {
      log.info({ published: published?.current }, 'published map is up to date');
    }
    sched.start();
    lifecycle.onStop('scheduler', () => sched.stop());
    const cleanupEvery = Math.max(500, Math.min(config.MAP_RELEASE_GRACE, 60_000) / 2);
    const cleanupTimer = setInterval(() => {
      publisher?.cleanup().catch((error) => log.warn({ err: error }, 'release clean-up failed'));
    }, cleanupEvery);
    cleanupTimer.unref();
    lifecycle.onStop('release clean-up', () => clearInterval(cleanupTimer));
    watching = true;
    log.info({ world: config.MAP_WORLD, output: layout.output, releases: layout.releasesDir }, 'watching the world');
  }

  return { checks, status, start };
}
