import { main } from '@homelab/core';
import { cgitConfigCli } from './cli.js';

main(cgitConfigCli({ out: (text) => process.stdout.write(text) }));
