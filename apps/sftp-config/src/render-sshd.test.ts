import { describe, expect, it } from 'vitest';
import { usersFileSchema } from './config.js';
import { renderAuthorizedKeys } from './render-keys.js';
import { renderSshdConfig } from './render-sshd.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOn/ndpS4YRrSJ/VD92Wk/bFHpGqgoxCsr703+7WhpcX laptop';
const file = usersFileSchema.parse({
  datastore: '/srv/storage',
  users: [
    { name: 'editor', uid: 2001, keys: [KEY], mode: 'sftp', access: 'rw', root: 'shared', writable: ['docs'] },
    { name: 'reader', uid: 2003, keys: [KEY], mode: 'sftp', access: 'ro', root: 'shared' },
    { name: 'sat', uid: 2002, keys: [KEY], mode: 'rsync', access: 'rw', root: 'sat' },
  ],
});
const settings = {
  listenAddress: '0.0.0.0',
  port: 22,
  hostKey: '/k',
  keysDir: '/keys',
  gateCommand: '/usr/local/bin/sftp-config',
  rsync: '/usr/bin/rsync',
};

describe('renderSshdConfig', () => {
  it('renders key-only, no forwarding, a chroot per sftp user and the gate for rsync users', () => {
    const text = renderSshdConfig(file, file.users, settings);
    for (const line of [
      'AuthenticationMethods publickey',
      'PasswordAuthentication no',
      'DisableForwarding yes',
      'PermitTTY no',
      'AllowUsers editor reader sat',
    ]) {
      expect(text).toContain(`${line}\n`);
    }
    expect(text).toContain('Match User editor\n  ChrootDirectory /srv/storage/shared\n  ForceCommand internal-sftp -l INFO -d / -u 0022\n');
    expect(text).toContain(
      'Match User reader\n  ChrootDirectory /srv/storage/shared\n  ForceCommand internal-sftp -l INFO -d / -u 0022 -R\n',
    );
    expect(text).toContain(
      'Match User sat\n  ForceCommand /usr/local/bin/sftp-config rsync-gate --root /srv/storage/sat --access rw --rsync /usr/bin/rsync\n',
    );
  });

  it('lets nobody in when no user is enabled', () => {
    const text = renderSshdConfig(file, [], settings);
    expect(text).toContain('DenyUsers *\n');
    expect(text).not.toMatch(/AllowUsers|Match/);
  });

  it('writes authorized_keys lines with restrict and the safe comment', () => {
    expect(renderAuthorizedKeys(file.users[0] as (typeof file.users)[0])).toBe(`restrict ${KEY}\n`);
  });
});
