import { runSidecar } from '@homelab/core';
import { mcConsole } from './cli.js';

runSidecar(mcConsole);
