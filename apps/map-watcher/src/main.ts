import { runSidecar } from '@homelab/core';
import { mapWatcher } from './cli.js';

runSidecar(mapWatcher);
