import { type CliSpec, createLogger, createRunner, runService, systemClock, UsageError } from '@homelab/core';
import { Publisher, releaseLayout } from '@homelab/releases';
import { Registry } from 'prom-client';
import { createMapWatcher } from './app.js';
import { envDocs, loadConfig } from './config.js';
import { renderLighttpdConfig } from './lighttpd-config.js';
import { createMapMetrics } from './metrics.js';
import { preflight } from './preflight.js';
import { createRenderJob } from './render.js';

export const NAME = 'map-watcher';

/** The CLI; `out` receives command output (main.ts passes stdout). */
export function createCli(out: (text: string) => void): CliSpec {
  return {
    name: NAME,
    summary: 'renders the Minecraft map with little-a-map when the world changes, and publishes it atomically',
    defaultCommand: 'run',
    env: envDocs,
    commands: {
      run: {
        summary: 'watch the world, render after it goes quiet, publish each map atomically',
        run: async ({ env }) => {
          const config = loadConfig(env);
          const log = createLogger({ name: NAME, level: config.LOG_LEVEL });
          const { renderer } = await preflight(config, releaseLayout(config.MAP_OUTPUT, config.MAP_RELEASES), env.PATH);
          const app = createMapWatcher({ config, renderer, runner: createRunner({ log }), clock: systemClock, log });
          return runService({
            name: NAME,
            log,
            healthListen: config.HEALTH_LISTEN,
            checks: app.checks,
            status: app.status,
            start: app.start,
          });
        },
      },
      render: {
        summary: 'render and publish once now, then exit (1 when the render fails)',
        run: async ({ env }) => {
          const config = loadConfig(env);
          const log = createLogger({ name: NAME, level: config.LOG_LEVEL });
          const layout = releaseLayout(config.MAP_OUTPUT, config.MAP_RELEASES);
          const { renderer } = await preflight(config, layout, env.PATH);
          const publisher = new Publisher({
            layout,
            staging: config.MAP_STAGING,
            graceMs: config.MAP_RELEASE_GRACE,
            clock: systemClock,
            log,
          });
          await publisher.init();
          const job = createRenderJob({
            runner: createRunner({ log }),
            renderer,
            world: config.MAP_WORLD,
            staging: config.MAP_STAGING,
            timeoutMs: config.MAP_RENDER_TIMEOUT,
            publisher,
            metrics: createMapMetrics(new Registry(), () => 0),
            log,
            now: () => systemClock.now(),
            onResult: () => {},
          });
          await job({ startedAt: systemClock.now(), signal: new AbortController().signal });
          await publisher.cleanup();
          return 0;
        },
      },
      'lighttpd-config': {
        summary: 'print the mc-map lighttpd config (document root: --root or MAP_OUTPUT)',
        flags: {
          root: { type: 'string', description: 'document root [default: MAP_OUTPUT]' },
          port: { type: 'string', description: 'port to listen on [default: 80]' },
          bind: { type: 'string', description: 'address to bind [default: all]' },
          tag: { type: 'string', description: 'server.tag [default: mc-map]' },
        },
        run: ({ flags, env }) => {
          const root = (flags.root as string | undefined) ?? env.MAP_OUTPUT;
          if (!root) throw new UsageError('lighttpd-config needs --root or MAP_OUTPUT');
          const port = Number(flags.port ?? 80);
          if (!Number.isInteger(port) || port < 1 || port > 65535)
            throw new UsageError(`--port: expected a port number 1-65535, got "${flags.port}"`);
          out(
            renderLighttpdConfig({
              documentRoot: root,
              port,
              bind: flags.bind as string | undefined,
              tag: (flags.tag as string | undefined) ?? 'mc-map',
            }),
          );
          return 0;
        },
      },
    },
  };
}
