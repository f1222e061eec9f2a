import type { CommandDeps } from '@homelab/core';
import { Publisher, releaseLayout } from '@homelab/releases';
import type { MapWatcherConfig } from './config.js';
import { preflight } from './preflight.js';
import { mapRenderJob } from './render.js';

/** The `render` command: one render and publish now, with the same start-up checks as `run`; a failure throws (exit 1). */
export async function renderOnce(deps: CommandDeps<MapWatcherConfig>): Promise<number> {
  const { config, log, clock } = deps;
  const layout = releaseLayout(config.MAP_OUTPUT, config.MAP_RELEASES);
  const { renderer } = await preflight(config, layout, deps.env.PATH);
  const publisher = new Publisher({ layout, staging: config.MAP_STAGING, graceMs: config.MAP_RELEASE_GRACE, clock, log });
  await publisher.init();
  const job = mapRenderJob(deps, config, renderer, publisher);
  await job({ startedAt: clock.now(), signal: deps.signal });
  await publisher.cleanup();
  return 0;
}
