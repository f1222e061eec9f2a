import { runSidecar } from '@homelab/core';
import { filestashConfig } from './cli.js';

runSidecar(filestashConfig);
