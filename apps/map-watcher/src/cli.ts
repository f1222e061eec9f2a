import type { SidecarDefinition } from '@homelab/core';
import { buildMapWatcher } from './app.js';
import { type envSchema, mapWatcherEnv } from './config.js';
import { renderOnce } from './render-once.js';

export const mapWatcher: SidecarDefinition<typeof envSchema> = {
  name: 'map-watcher',
  summary: 'renders the Minecraft map with little-a-map when the world changes, and publishes it atomically',
  env: mapWatcherEnv,
  service: {
    summary: 'watch the world, render after it goes quiet, publish each map atomically',
    build: buildMapWatcher,
  },
  commands: {
    render: {
      summary: 'render and publish once now, then exit (1 when the render fails)',
      stoppable: true,
      run: renderOnce,
    },
  },
};
