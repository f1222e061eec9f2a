import type { SidecarDefinition } from '@homelab/core';
import { build, prepareRuns } from './app.js';
import { envDocs, envPrefixes, envSchema } from './config.js';

export const definition: SidecarDefinition<typeof envSchema> = {
  name: 'proxy-stats',
  summary: "reverse-proxy statistics: GoAccess on Caddy's JSON access log, run incrementally, report published atomically",
  env: { schema: envSchema, prefixes: envPrefixes, docs: envDocs },
  service: {
    summary: 'poll the access log, run GoAccess after new lines (debounced) and at least every STATS_INTERVAL, publish each report',
    // A GoAccess run is killed on stop (its database copy is dropped); 10 s is plenty.
    // Its hot stretch is copying goaccess's database (about 230 files) per run; GoAccess does the
    // work, so TurboFan and Sparkplug would only keep node's own fs checks resident (core's jit-tier.ts).
    jitTier: 'interpreter',
    build,
  },
  commands: {
    once: {
      summary: 'run GoAccess once now and publish the report, then exit (1 when the run fails)',
      run: async (deps) => {
        const { run } = await prepareRuns(deps, () => {});
        await run({ startedAt: deps.clock.now(), reason: 'start', signal: new AbortController().signal });
        return 0;
      },
    },
  },
};
