import { describe, expect, it } from 'vitest';
import { type FsProbe, lintUsers } from './chroot-lint.js';
import { usersFileSchema } from './config.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOn/ndpS4YRrSJ/VD92Wk/bFHpGqgoxCsr703+7WhpcX';

type Entry = { uid: number; mode: number; link?: string; file?: boolean };
/** A table filesystem: path -> owner and mode (folders unless `file`), symlinks by target. */
function probe(table: Record<string, Entry>): FsProbe {
  const resolve = (path: string): string | undefined => {
    let out = '';
    for (const seg of path.split('/').filter(Boolean)) {
      const next = `${out}/${seg}`;
      const e = table[next];
      if (!e) return undefined;
      out = e.link ?? next;
    }
    return out || '/';
  };
  return {
    lstat: (p) => {
      const e = table[p];
      return e ? { uid: e.uid, mode: e.mode, isDirectory: !e.link && !e.file, isSymlink: e.link !== undefined } : undefined;
    },
    realpath: resolve,
  };
}

const fs = (over: Record<string, Entry> = {}) =>
  probe({
    '/': { uid: 0, mode: 0o40755 },
    '/srv': { uid: 0, mode: 0o40755 },
    '/srv/storage': { uid: 0, mode: 0o40755 },
    '/srv/storage/shared': { uid: 0, mode: 0o40755 },
    '/srv/storage/shared/docs': { uid: 2001, mode: 0o40755 },
    '/srv/storage/sat': { uid: 2002, mode: 0o40755 },
    '/zfs': { uid: 0, mode: 0o40755 },
    '/zfs/backup': { uid: 0, mode: 0o40755 },
    ...over,
  });

const file = usersFileSchema.parse({
  datastore: '/srv/storage',
  users: [
    { name: 'editor', uid: 2001, keys: [KEY], mode: 'sftp', access: 'rw', root: 'shared', writable: ['docs'] },
    { name: 'sat', uid: 2002, keys: [KEY], mode: 'rsync', access: 'rw', root: 'sat' },
  ],
});

describe('lintUsers', () => {
  it('enables users whose folders follow the rules', () => {
    expect(lintUsers(file, fs())).toEqual({ enabled: file.users, violations: [] });
  });

  it.each([
    [
      { '/srv/storage/shared': { uid: 0, mode: 0o40775 } },
      'editor',
      'chroot component /srv/storage/shared is group-writable (mode 0775; OpenSSH refuses the chroot)',
    ],
    [
      { '/srv': { uid: 0, mode: 0o40757 } },
      'editor',
      'chroot component /srv is writable by others (mode 0757; OpenSSH refuses the chroot)',
    ],
    [
      { '/srv/storage/shared': { uid: 2001, mode: 0o40755 } },
      'editor',
      'chroot component /srv/storage/shared is owned by uid 2001, not root (OpenSSH refuses the chroot)',
    ],
    [
      { '/srv/storage/shared/docs': { uid: 0, mode: 0o40755 } },
      'editor',
      "writable folder /srv/storage/shared/docs is owned by uid 0, not the user's uid 2001",
    ],
    [{ '/srv/storage/sat': { uid: 0, mode: 0o40755 } }, 'sat', "/srv/storage/sat is owned by uid 0, not the read-write user's uid 2002"],
    [
      { '/srv/storage/sat': { uid: 0, mode: 0o120777, link: '/zfs/backup' } },
      'sat',
      '/srv/storage/sat resolves to /zfs/backup, outside the datastore /srv/storage',
    ],
  ])('one clear line per violation: %j', (over, user, line) => {
    const result = lintUsers(file, fs(over as Record<string, Entry>));
    expect(result.violations).toContainEqual({ user, line: `user ${user} disabled: ${line}` });
    expect(result.enabled.map((u) => u.name)).toEqual(file.users.map((u) => u.name).filter((n) => n !== user));
  });

  it('refuses a chroot reached through a symlink and an area that does not exist', () => {
    const linked = lintUsers(file, fs({ '/srv/storage/shared': { uid: 0, mode: 0o120777, link: '/srv/storage/sat' } }));
    expect(linked.violations.map((v) => v.line)).toContain(
      'user editor disabled: chroot component /srv/storage/shared is a symlink (a chroot path must be real folders)',
    );
    const missing = lintUsers(file, probe({ '/': { uid: 0, mode: 0o40755 } }));
    expect(missing.enabled).toEqual([]);
    expect(missing.violations[0]?.line).toBe('user editor disabled: the datastore /srv/storage does not exist');
  });
});
