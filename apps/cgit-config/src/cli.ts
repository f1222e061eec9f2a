import { type CliSpec, createLogger, runService } from '@homelab/core';
import { createCgitConfigService } from './app.js';
import { envDocs, loadConfig, targetsFrom } from './config.js';
import { renderOnce } from './render.js';
import { renderLighttpd } from './render-lighttpd.js';

export function cgitConfigCli(io: { out(text: string): void }): CliSpec {
  return {
    name: 'cgit-config',
    summary: 'renders cgitrc (public repos only) and the lighttpd config of git-web from the repo pool',
    defaultCommand: 'run',
    env: envDocs,
    commands: {
      render: {
        summary: 'render cgitrc (and the lighttpd config) once, then exit',
        run: async (ctx) => {
          const config = loadConfig(ctx);
          const log = createLogger({ name: 'cgit-config', level: config.LOG_LEVEL });
          await renderOnce(targetsFrom(config), log);
          return 0;
        },
      },
      run: {
        summary: 'render, then watch the pool and re-render on every change (and run lighttpd if asked)',
        run: async (ctx) => {
          const config = loadConfig(ctx);
          const log = createLogger({ name: 'cgit-config', level: config.LOG_LEVEL });
          const service = createCgitConfigService(targetsFrom(config), {
            log,
            debounceMs: config.CGIT_DEBOUNCE,
            rescanMs: config.CGIT_RESCAN_INTERVAL,
            lighttpdBin: config.CGIT_LIGHTTPD_RUN ? config.CGIT_LIGHTTPD_BIN : undefined,
          });
          const code = await runService({
            name: 'cgit-config',
            log,
            healthListen: config.HEALTH_LISTEN,
            checks: { render: () => ({ ok: service.ready(), detail: service.status.lastError ?? 'rendered' }) },
            status: () => ({ ...service.status }),
            start: ({ lifecycle }) => service.start(lifecycle),
          });
          return service.failed() ? 1 : code;
        },
      },
      'print-lighttpd': {
        summary: 'print the lighttpd config for the current env to stdout',
        run: (ctx) => {
          io.out(renderLighttpd(targetsFrom(loadConfig(ctx)).lighttpd));
          return 0;
        },
      },
    },
  };
}
