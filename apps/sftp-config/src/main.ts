import { runSidecar } from '@homelab/core/run-sidecar';
import { sftpConfigSidecar } from './cli.js';

runSidecar(sftpConfigSidecar);
