import type { CommandDeps } from '@homelab/core';
import { Publisher, releaseLayout } from '@homelab/releases';
import type { MapWatcherConfig } from './config.js';
import { preflight } from './preflight.js';
import { createRenderJob } from './render.js';

/** The `render` command: one render and publish now, with the same start-up checks as `run`; a failure throws (exit 1). */
export async function renderOnce(deps: CommandDeps<MapWatcherConfig>): Promise<number> {
  const { config, log, clock } = deps;
  const layout = releaseLayout(config.MAP_OUTPUT, config.MAP_RELEASES);
  const { renderer } = await preflight(config, layout, deps.env.PATH);
  const publisher = new Publisher({ layout, staging: config.MAP_STAGING, graceMs: config.MAP_RELEASE_GRACE, clock, log });
  await publisher.init();
  const job = createRenderJob({
    runner: deps.runner,
    renderer,
    world: config.MAP_WORLD,
    staging: config.MAP_STAGING,
    timeoutMs: config.MAP_RENDER_TIMEOUT,
    publisher,
    log,
    now: () => clock.now(),
    onResult: () => {},
  });
  await job({ startedAt: clock.now(), signal: deps.signal });
  await publisher.cleanup();
  return 0;
}
