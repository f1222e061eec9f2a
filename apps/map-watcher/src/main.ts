import { main } from '@homelab/core';
import { createCli } from './cli.js';

main(createCli((text) => process.stdout.write(text)));
