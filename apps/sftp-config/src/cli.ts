import type { SidecarDefinition } from '@homelab/core';
import type { envSchema } from './config.js';
import { rsyncGateCommand } from './gate-cli.js';

/**
 * sshd starts `sftp-config rsync-gate` for every rsync login, so this file imports only the gate:
 * the env, the service and `render` load when a command needs them, and the gate starts without
 * zod, the YAML parser or core's health server (about 1 s less per connection on a busy machine).
 */
export const sftpConfigSidecar: SidecarDefinition<typeof envSchema> = {
  name: 'sftp-config',
  summary: 'zfs-ssh: renders sshd (sftp in a chroot, rsync behind a strict gate) from a users YAML and runs it',
  env: () => import('./config.js').then((m) => m.sftpEnv),
  service: {
    summary: 'render, run sshd, re-render and reload it on every change of the users YAML',
    build: async (deps) => (await import('./app.js')).build(deps),
  },
  commands: {
    render: {
      summary: 'lint and render once (keys, passwd, sshd_config), print the disabled users, exit 1 if any',
      run: async (deps) => (await import('./render.js')).renderCommand(deps),
    },
    'rsync-gate': rsyncGateCommand,
  },
};
