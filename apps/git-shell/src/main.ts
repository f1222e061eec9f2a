import { runSidecar } from '@homelab/core';
import { gitShell } from './cli.js';

runSidecar(gitShell);
