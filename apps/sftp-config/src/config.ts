import {
  checkAbsolutePath,
  checkedString,
  checkRelativePath,
  commonEnvShape,
  configValues,
  duration,
  type EnvDoc,
  isWithin,
  type SidecarEnv,
} from '@homelab/core';
import * as z from 'zod';
import { parsePublicKey, RESERVED_USER_NAMES, USER_NAME } from './grammar.js';

const absPath = () => checkedString(checkAbsolutePath);
/** Relative to the datastore; `.` is the datastore itself, as `""` is. */
const relPath = () => checkedString((v) => (v === '.' ? undefined : checkRelativePath(v, 'the datastore')));

/** The gate command: absolute paths separated by single spaces (e.g. `/usr/bin/node /x/main.js`). */
const commandLine = () =>
  z.string().superRefine((v, ctx) => {
    const problems = v.split(' ').map(checkAbsolutePath).filter(Boolean);
    if (problems.length > 0) ctx.addIssue({ code: 'custom', message: `expected absolute paths separated by one space: ${problems[0]}` });
  });

export const envSchema = z.object({
  ...commonEnvShape,
  SFTP_CONFIG: absPath().default('/etc/sftp-config/users.yaml'),
  SFTP_SSHD_CONFIG_OUT: absPath().default('/run/sftp-config/sshd_config'),
  SFTP_KEYS_DIR: absPath().default('/var/lib/zfs-ssh/keys'),
  SFTP_PASSWD_OUT: absPath().optional(),
  SFTP_GROUP_OUT: absPath().optional(),
  SFTP_PASSWD_BASE: absPath().default('/etc/sftp-config/passwd.base'),
  SFTP_GROUP_BASE: absPath().default('/etc/sftp-config/group.base'),
  SFTP_HOST_KEY: absPath().default('/var/lib/zfs-ssh/ssh_host_ed25519_key'),
  SFTP_LISTEN_ADDRESS: z.ipv4({ message: 'expected an IPv4 address' }).default('0.0.0.0'),
  SFTP_LISTEN_PORT: configValues.port().default(22),
  SFTP_SSHD: absPath().default('/usr/sbin/sshd'),
  SFTP_GATE_COMMAND: commandLine().default('/usr/local/bin/sftp-config'),
  SFTP_RSYNC: absPath().default('/usr/bin/rsync'),
  SFTP_SSH_KEYGEN: absPath().default('/usr/bin/ssh-keygen'),
  SFTP_SOCAT: absPath().default('/usr/bin/socat'),
  SFTP_SSHD_RUN: configValues.bool().default(true),
  SFTP_SHELL: absPath().default('/bin/sh'),
  SFTP_NOLOGIN: absPath().default('/sbin/nologin'),
  SFTP_RELINT_INTERVAL: duration({ min: 1_000 }).default(60_000),
  SFTP_DEBOUNCE: duration({ min: 0 }).default(300),
});

export type SftpEnv = z.output<typeof envSchema>;

export const envDocs: EnvDoc[] = [
  { name: 'SFTP_CONFIG', description: 'the users YAML (see README)', default: '/etc/sftp-config/users.yaml' },
  { name: 'SFTP_SSHD_CONFIG_OUT', description: 'the sshd_config to write', default: '/run/sftp-config/sshd_config' },
  {
    name: 'SFTP_KEYS_DIR',
    description:
      'authorized_keys files, one per user (AuthorizedKeysFile DIR/%u; every folder above it root-owned, not group/other-writable)',
    default: '/var/lib/zfs-ssh/keys',
  },
  { name: 'SFTP_PASSWD_OUT', description: 'passwd to write (base + users); unset: users must exist already' },
  { name: 'SFTP_GROUP_OUT', description: 'group file to write (base + one private group per user)' },
  { name: 'SFTP_PASSWD_BASE', description: 'system entries the rendered passwd starts with', default: '/etc/sftp-config/passwd.base' },
  { name: 'SFTP_GROUP_BASE', description: 'system entries the rendered group file starts with', default: '/etc/sftp-config/group.base' },
  {
    name: 'SFTP_HOST_KEY',
    description: 'ed25519 host key (made on first start when missing)',
    default: '/var/lib/zfs-ssh/ssh_host_ed25519_key',
  },
  { name: 'SFTP_LISTEN_ADDRESS', description: 'sshd ListenAddress', default: '0.0.0.0' },
  { name: 'SFTP_LISTEN_PORT', description: 'sshd Port', default: '22' },
  { name: 'SFTP_SSHD', description: 'the sshd binary (absolute: sshd re-executes itself on SIGHUP)', default: '/usr/sbin/sshd' },
  {
    name: 'SFTP_GATE_COMMAND',
    description: "the forced command of rsync users (this app's bundle)",
    default: '/usr/local/bin/sftp-config',
  },
  { name: 'SFTP_RSYNC', description: 'the rsync the gate runs', default: '/usr/bin/rsync' },
  { name: 'SFTP_SSH_KEYGEN', description: 'makes the host key when it is missing', default: '/usr/bin/ssh-keygen' },
  {
    name: 'SFTP_SOCAT',
    description: "receives internal-sftp's syslog datagrams on <chroot>/dev/log (bytes per user)",
    default: '/usr/bin/socat',
  },
  { name: 'SFTP_SSHD_RUN', description: 'run sshd as a child and SIGHUP it after each render (false: render only)', default: 'true' },
  { name: 'SFTP_SHELL', description: 'login shell of rsync users (sshd runs the forced command with it)', default: '/bin/sh' },
  { name: 'SFTP_NOLOGIN', description: 'login shell of sftp users', default: '/sbin/nologin' },
  {
    name: 'SFTP_RELINT_INTERVAL',
    description: 'chroot lint and render also run this often (a fixed folder enables its user)',
    default: '60s',
  },
  { name: 'SFTP_DEBOUNCE', description: 'quiet time after a config change before re-rendering', default: '300ms' },
];

/** The env as the definition declares it (cli.ts loads it only for commands that are not bare). */
export const sftpEnv: SidecarEnv<typeof envSchema> = { schema: envSchema, prefixes: ['SFTP_'], docs: envDocs };

const userSchema = z
  .object({
    name: z.string().regex(USER_NAME, 'expected a login name: a-z first, then a-z 0-9 _ -, at most 32'),
    uid: z.number().int().min(1000, 'expected a uid 1000-60000').max(60000, 'expected a uid 1000-60000'),
    keys: z
      .array(
        z.string().superRefine((v, ctx) => {
          const parsed = parsePublicKey(v);
          if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
        }),
      )
      .min(1, 'expected at least one public key'),
    mode: z.enum(['sftp', 'rsync']),
    access: z.enum(['ro', 'rw']).default('ro'),
    root: relPath().default(''),
    writable: z.array(relPath().refine((v) => v !== '' && v !== '.', 'expected a folder below root')).default([]),
  })
  .strict()
  .superRefine((user, ctx) => {
    if (RESERVED_USER_NAMES.has(user.name)) ctx.addIssue({ code: 'custom', path: ['name'], message: `"${user.name}" is a system name` });
    if (user.mode === 'sftp' && user.access === 'rw' && user.writable.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['writable'],
        message: 'a read-write sftp user needs writable folders (its chroot itself belongs to root)',
      });
    }
    if ((user.access === 'ro' || user.mode === 'rsync') && user.writable.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['writable'], message: 'only read-write sftp users have writable folders' });
    }
  });

export const usersFileSchema = z
  .object({
    datastore: absPath().default('/srv/storage'),
    /** Paths that are never exposed (the backup pool): the datastore and every user area are checked against them. */
    backup_pool: z.array(absPath()).default(['/zfs/backup']),
    users: z.array(userSchema).default([]),
  })
  .strict()
  .superRefine((file, ctx) => {
    for (const [i, pool] of file.backup_pool.entries()) {
      if (isWithin(file.datastore, pool) || isWithin(pool, file.datastore)) {
        ctx.addIssue({ code: 'custom', path: ['datastore'], message: `overlaps the backup pool ${pool} (never exposed)` });
      }
      if (pool === '/') ctx.addIssue({ code: 'custom', path: ['backup_pool', i], message: 'cannot be /' });
    }
    const names = new Set<string>();
    const uids = new Set<number>();
    for (const [i, user] of file.users.entries()) {
      if (names.has(user.name)) ctx.addIssue({ code: 'custom', path: ['users', i, 'name'], message: `"${user.name}" is declared twice` });
      if (uids.has(user.uid)) ctx.addIssue({ code: 'custom', path: ['users', i, 'uid'], message: `uid ${user.uid} is used twice` });
      names.add(user.name);
      uids.add(user.uid);
    }
  });

export type UsersFile = z.output<typeof usersFileSchema>;
export type SatelliteUser = UsersFile['users'][number];
