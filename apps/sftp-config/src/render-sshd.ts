import { userArea } from './chroot-lint.js';
import type { SatelliteUser, UsersFile } from './config.js';

export interface SshdSettings {
  listenAddress: string;
  port: number;
  hostKey: string;
  keysDir: string;
  /** The gate command line (absolute paths), e.g. `/usr/local/bin/sftp-config`. */
  gateCommand: string;
  rsync: string;
}

/**
 * sshd_config for the enabled users only. Every value here passed the grammars in grammar.ts
 * (user names, absolute paths of safe segments), so nothing needs quoting.
 */
export function renderSshdConfig(file: UsersFile, enabled: readonly SatelliteUser[], s: SshdSettings): string {
  const lines = [
    '# Rendered by sftp-config from its users YAML: do not edit (it is rewritten on every change).',
    `ListenAddress ${s.listenAddress}`,
    `Port ${s.port}`,
    `HostKey ${s.hostKey}`,
    'PidFile none',
    `AuthorizedKeysFile ${s.keysDir}/%u`,
    'AuthorizedPrincipalsFile none',
    'AuthenticationMethods publickey',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'HostbasedAuthentication no',
    'PermitRootLogin no',
    'PermitEmptyPasswords no',
    'StrictModes yes',
    'MaxAuthTries 3',
    'LoginGraceTime 30',
    // No shell, no forwarding of any kind, no tty, no environment from the client.
    'DisableForwarding yes',
    'AllowTcpForwarding no',
    'AllowAgentForwarding no',
    'AllowStreamLocalForwarding no',
    'X11Forwarding no',
    'PermitTunnel no',
    'PermitListen none',
    'PermitOpen none',
    'GatewayPorts no',
    'PermitTTY no',
    'PermitUserEnvironment no',
    'PermitUserRC no',
    'AcceptEnv none',
    'Banner none',
    'PrintMotd no',
    'ClientAliveInterval 60',
    'ClientAliveCountMax 3',
    'LogLevel INFO',
    'Subsystem sftp internal-sftp -l INFO',
    enabled.length > 0 ? `AllowUsers ${enabled.map((u) => u.name).join(' ')}` : 'DenyUsers *',
  ];
  for (const user of enabled) {
    lines.push('', `Match User ${user.name}`);
    const area = userArea(file, user);
    if (user.mode === 'sftp') {
      lines.push(`  ChrootDirectory ${area}`, `  ForceCommand internal-sftp -l INFO -d / -u 0022${user.access === 'ro' ? ' -R' : ''}`);
    } else {
      // No chroot for rsync (it needs its binary and libraries): the gate confines paths instead.
      lines.push(`  ForceCommand ${s.gateCommand} rsync-gate --root ${area} --access ${user.access} --rsync ${s.rsync}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
