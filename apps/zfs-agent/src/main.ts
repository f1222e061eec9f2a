import { main } from '@homelab/core';
import { createCli } from './cli.js';

main(createCli({ stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }));
