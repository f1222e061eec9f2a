import { parseYamlConfig } from '@homelab/core';
import { describe, expect, it } from 'vitest';
import { usersFileSchema } from './config.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOn/ndpS4YRrSJ/VD92Wk/bFHpGqgoxCsr703+7WhpcX';
const parse = (yaml: string) => parseYamlConfig(usersFileSchema, yaml, 'users.yaml');
const user = (over: string) => `users:\n  - { name: sat, uid: 2000, keys: ["${KEY}"], mode: rsync, ${over} }\n`;

describe('users YAML', () => {
  it('parses a user with defaults (read-only, the whole datastore)', () => {
    expect(parse(user('root: sat')).users[0]).toMatchObject({ name: 'sat', access: 'ro', root: 'sat', writable: [] });
  });

  it.each([
    ['datastore: /zfs/backup/x\n', /datastore: overlaps the backup pool \/zfs\/backup/],
    ['datastore: /zfs\n', /datastore: overlaps the backup pool/],
    ['datastore: /srv/s\nbackup_pool: [/srv]\n', /datastore: overlaps the backup pool \/srv/],
    [user('root: ../x'), /users\.0\.root: bad path component "\.\."/],
    [user('root: /etc'), /users\.0\.root: expected a path relative/],
    ['users:\n  - { name: "Bad Name", uid: 2000, keys: ["x"], mode: sftp }\n', /users\.0\.name: expected a login name/],
    ['users:\n  - { name: root, uid: 2000, keys: ["' + KEY + '"], mode: sftp }\n', /users\.0\.name: "root" is a system name/],
    ['users:\n  - { name: a, uid: 0, keys: ["' + KEY + '"], mode: sftp }\n', /users\.0\.uid: expected a uid/],
    ['users:\n  - { name: a, uid: 2000, keys: [], mode: sftp }\n', /users\.0\.keys: expected at least one public key/],
    ['users:\n  - { name: a, uid: 2000, keys: ["ssh-ed25519 AAAA"], mode: sftp }\n', /users\.0\.keys\.0: the key blob/],
    [
      'users:\n  - { name: a, uid: 2000, keys: ["' + KEY + '"], mode: sftp, access: rw }\n',
      /users\.0\.writable: a read-write sftp user needs writable folders/,
    ],
    [user('access: rw, writable: [x]'), /users\.0\.writable: only read-write sftp users/],
    [user('shell: /bin/sh'), /users\.0\.shell: unknown key/],
    [`${user('root: a')}  - { name: sat, uid: 2001, keys: ["${KEY}"], mode: rsync }\n`, /users\.1\.name: "sat" is declared twice/],
  ])('refuses %j naming the key', (yaml, why) => {
    expect(() => parse(yaml)).toThrow(why);
  });
});
