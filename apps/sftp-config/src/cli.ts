import type { SidecarDefinition } from '@homelab/core';
import { build } from './app.js';
import { envDocs, envSchema } from './config.js';
import { realFsProbe } from './fs-probe.js';
import { type GateFlags, runGateCommand } from './gate-cli.js';
import { loadUsersFile, renderAll } from './render.js';

export const sftpConfigSidecar: SidecarDefinition<typeof envSchema> = {
  name: 'sftp-config',
  summary: 'zfs-ssh: renders sshd (sftp in a chroot, rsync behind a strict gate) from a users YAML and runs it',
  env: { schema: envSchema, prefixes: ['SFTP_'], docs: envDocs },
  service: {
    summary: 'render, run sshd, re-render and reload it on every change of the users YAML',
    build,
  },
  commands: {
    render: {
      summary: 'lint and render once (keys, passwd, sshd_config), print the disabled users, exit 1 if any',
      run: async ({ config, runner, log, io }) => {
        const outcome = await renderAll(config, loadUsersFile(config.SFTP_CONFIG), { runner, probe: realFsProbe, log });
        for (const v of outcome.disabled) io.stdout(`${v.line}\n`);
        io.stdout(`enabled: ${outcome.enabled.join(' ') || '(none)'}\n`);
        return outcome.disabled.length > 0 ? 1 : 0;
      },
    },
    'rsync-gate': {
      summary: 'the forced command of rsync users: runs `rsync --server` only, confined to --root',
      usage: 'rsync-gate --root DIR --access ro|rw [--rsync PATH]',
      needsConfig: false,
      flags: {
        root: { type: 'string', description: "the user's area (absolute)" },
        access: { type: 'string', description: 'ro (pull only) or rw' },
        rsync: { type: 'string', description: 'the rsync binary (default /usr/bin/rsync)' },
      },
      // main.ts runs this command through its fast path; this entry gives it --help and runCli.
      run: ({ flags, env, io }) => runGateCommand(flags as GateFlags, env, io.stderr),
    },
  },
};
