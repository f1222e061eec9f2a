import { runSidecar } from '@homelab/core';
import { labctl } from './cli.js';

runSidecar(labctl);
