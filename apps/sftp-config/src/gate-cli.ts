import type { BareCommand } from '@homelab/core';
import { checkAbsolutePath } from '@homelab/core/safe-path';
import { realFsProbe } from './fs-probe.js';
import { runGate } from './rsync-gate.js';

/**
 * `rsync-gate --root DIR --access ro|rw [--rsync PATH]`, the forced command sshd runs for every
 * rsync login. Bare (core starts it before the sidecar's config, logger and health parts load):
 * stdout is rsync's protocol stream, so it logs nothing; refusals go to stderr. Exit codes: rsync's,
 * 1 refused, 2 usage.
 */
export const rsyncGateCommand: BareCommand = {
  bare: true,
  summary: 'the forced command of rsync users: runs `rsync --server` only, confined to --root',
  usage: 'rsync-gate --root DIR --access ro|rw [--rsync PATH]',
  flags: {
    root: { type: 'string', description: "the user's area (absolute)" },
    access: { type: 'string', description: 'ro (pull only) or rw' },
    rsync: { type: 'string', description: 'the rsync binary (default /usr/bin/rsync)' },
  },
  run: ({ flags, env, io, runner }) => {
    const root = typeof flags.root === 'string' ? flags.root : '';
    const rsync = typeof flags.rsync === 'string' ? flags.rsync : '/usr/bin/rsync';
    const access = flags.access;
    const usage = (text: string) => {
      io.stderr(`sftp-config rsync-gate: ${text}\n`);
      return 2;
    };
    if (checkAbsolutePath(root) !== undefined || root === '/') return usage('--root: expected an absolute path');
    if (access !== 'ro' && access !== 'rw') return usage('--access: expected ro or rw');
    if (checkAbsolutePath(rsync) !== undefined) return usage('--rsync: expected an absolute path');
    return runGate({ root, access, rsync, command: env.SSH_ORIGINAL_COMMAND }, realFsProbe, runner, io.stderr);
  },
};
