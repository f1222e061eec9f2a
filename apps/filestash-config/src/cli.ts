import type { SidecarDefinition } from '@homelab/core';
import { build } from './app.js';
import { type envSchema, filestashEnv } from './config.js';
import { loadSharesFile, renderAll } from './render.js';

export const filestashConfig: SidecarDefinition<typeof envSchema> = {
  name: 'filestash-config',
  summary: "zfs-web: renders filestash's config.json (the datastore read-only by default, private hub only) and runs filestash",
  env: filestashEnv,
  service: {
    summary: 'render, run filestash, re-render on every change of the shares YAML and restart filestash when the config changed',
    build,
  },
  commands: {
    render: {
      summary: 'check the shares and render config.json once; print the disabled shares, exit 1 if any',
      run: async ({ config, io }) => {
        const outcome = await renderAll(config, loadSharesFile(config.FILESTASH_CONFIG));
        for (const d of outcome.disabled) io.stdout(`${d.line}\n`);
        io.stdout(`shares: ${outcome.enabled.map((s) => `${s.name} (${s.access})`).join(', ') || '(none)'}\n`);
        return outcome.disabled.length > 0 ? 1 : 0;
      },
    },
  },
};
