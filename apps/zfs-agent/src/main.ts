import { runSidecar } from '@homelab/core';
import { zfsAgent } from './cli.js';

runSidecar(zfsAgent);
