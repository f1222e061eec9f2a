import { runSidecar } from '@homelab/core';
import { sftpConfigSidecar } from './cli.js';

runSidecar(sftpConfigSidecar);
