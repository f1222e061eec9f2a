import { runSidecar } from '@homelab/core';
import { mcBackup } from './cli.js';

runSidecar(mcBackup);
