import { main } from '@homelab/core';
import { buildCli } from './app.js';

main(
  buildCli({
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    logLevel: process.env.LOG_LEVEL,
  }),
);
