import { commonEnvShape, createLogger, loadEnvConfig, main, runService } from '@homelab/core';
import { z } from 'zod';

const schema = z.object({ ...commonEnvShape });

main({
  name: 'hello',
  summary: 'a minimal sidecar that proves the build pipeline',
  defaultCommand: 'run',
  commands: {
    run: {
      summary: 'serve health until stopped',
      run: async ({ env }) => {
        const { config } = loadEnvConfig(schema, env, { prefixes: ['HELLO_'] });
        const log = createLogger({ name: 'hello', level: config.LOG_LEVEL });
        return runService({ name: 'hello', log, healthListen: config.HEALTH_LISTEN, start: async () => {} });
      },
    },
  },
});
