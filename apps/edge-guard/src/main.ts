import { runSidecar } from '@homelab/core';
import { definition } from './cli.js';

runSidecar(definition);
