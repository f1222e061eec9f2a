import { runSidecar } from '@homelab/core';
import { cgitConfig } from './cli.js';

runSidecar(cgitConfig);
