import { runSidecar } from '@homelab/core';
import { rconBridge } from './cli.js';

runSidecar(rconBridge);
