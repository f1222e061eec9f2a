import type { SidecarDefinition } from '@homelab/core';
import { buildCgitConfig } from './app.js';
import { cgitConfigEnv, type schema, targetsFrom } from './config.js';
import { renderOnce } from './render.js';
import { renderLighttpd } from './render-lighttpd.js';

export const cgitConfig: SidecarDefinition<typeof schema> = {
  name: 'cgit-config',
  summary: 'renders cgitrc (public repos only) and the lighttpd config of git-web from the repo pool',
  env: cgitConfigEnv,
  service: {
    summary: 'render, then watch the pool and re-render on every change (and run lighttpd if asked)',
    build: buildCgitConfig,
  },
  commands: {
    render: {
      summary: 'render cgitrc (and the lighttpd config) once, then exit',
      run: async ({ config, log }) => {
        await renderOnce(targetsFrom(config), log);
        return 0;
      },
    },
    'print-lighttpd': {
      summary: 'print the lighttpd config for the current env to stdout',
      run: ({ config, io }) => {
        io.stdout(renderLighttpd(targetsFrom(config).lighttpd));
        return 0;
      },
    },
  },
};
