import { join } from 'node:path';
import { isWithin } from '@homelab/core';
import type { SatelliteUser, UsersFile } from './config.js';

/** What the lint needs from the filesystem (the real one is in fs-probe.ts; tests pass a table). */
export interface FsProbe {
  /** lstat: undefined when the path does not exist. */
  lstat(path: string): { uid: number; mode: number; isDirectory: boolean; isSymlink: boolean } | undefined;
  /** realpath: undefined when the path does not exist. */
  realpath(path: string): string | undefined;
}

export interface LintResult {
  /** Users that pass every rule, in config order. */
  enabled: SatelliteUser[];
  /** One line per violation, naming the user, the path and the rule. */
  violations: { user: string; line: string }[];
}

/** The folder a user reaches: the sftp chroot, or the rsync area. */
export function userArea(file: UsersFile, user: SatelliteUser): string {
  return user.root === '' ? file.datastore : join(file.datastore, user.root);
}

/** Every prefix of an absolute path, from `/` down to the path itself. */
function prefixes(path: string): string[] {
  const out = ['/'];
  let current = '';
  for (const segment of path.split('/').filter(Boolean)) {
    current += `/${segment}`;
    out.push(current);
  }
  return out;
}

const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;

/**
 * OpenSSH's ChrootDirectory rule (every component root-owned, not group/other writable) plus ours:
 * no symlink on the way, writable folders owned by the user, nothing resolving into the backup pool
 * or out of the datastore. Pure given the probe: the caller disables the users it reports.
 */
export function lintUsers(file: UsersFile, probe: FsProbe): LintResult {
  const enabled: SatelliteUser[] = [];
  const violations: LintResult['violations'] = [];
  const datastoreReal = probe.realpath(file.datastore);
  const pools = file.backup_pool.map((p) => probe.realpath(p) ?? p);

  for (const user of file.users) {
    const found: string[] = [];
    const say = (text: string) => found.push(`user ${user.name} disabled: ${text}`);
    const area = userArea(file, user);
    const real = probe.realpath(area);
    if (datastoreReal === undefined) say(`the datastore ${file.datastore} does not exist`);
    else if (real === undefined) say(`${area} does not exist`);
    else {
      if (!isWithin(real, datastoreReal)) say(`${area} resolves to ${real}, outside the datastore ${datastoreReal}`);
      for (const pool of pools)
        if (isWithin(real, pool) || isWithin(pool, real)) say(`${area} resolves to ${real}, which overlaps the backup pool ${pool}`);
      const stat = probe.lstat(real);
      if (!stat?.isDirectory) say(`${area} is not a folder`);
    }
    if (found.length === 0) {
      if (user.mode === 'sftp') lintChroot(user, area, probe, say);
      else lintRsyncArea(user, area, probe, say);
    }
    if (found.length === 0) enabled.push(user);
    else for (const line of found) violations.push({ user: user.name, line });
  }
  return { enabled, violations };
}

function lintChroot(user: SatelliteUser, area: string, probe: FsProbe, say: (text: string) => void): void {
  for (const path of prefixes(area)) {
    const stat = probe.lstat(path);
    if (!stat) {
      say(`chroot component ${path} does not exist`);
      return;
    }
    if (stat.isSymlink) {
      say(`chroot component ${path} is a symlink (a chroot path must be real folders)`);
      return;
    }
    if (stat.uid !== 0) say(`chroot component ${path} is owned by uid ${stat.uid}, not root (OpenSSH refuses the chroot)`);
    if (stat.mode & 0o020) say(`chroot component ${path} is group-writable (mode ${octal(stat.mode)}; OpenSSH refuses the chroot)`);
    if (stat.mode & 0o002) say(`chroot component ${path} is writable by others (mode ${octal(stat.mode)}; OpenSSH refuses the chroot)`);
  }
  for (const folder of user.writable) {
    const path = join(area, folder);
    const stat = probe.lstat(path);
    if (!stat) say(`writable folder ${path} does not exist`);
    else if (stat.isSymlink || !stat.isDirectory) say(`writable folder ${path} is not a folder`);
    else if (stat.uid !== user.uid) say(`writable folder ${path} is owned by uid ${stat.uid}, not the user's uid ${user.uid}`);
    else if (!(stat.mode & 0o200)) say(`writable folder ${path} is not writable by its owner (mode ${octal(stat.mode)})`);
  }
}

function lintRsyncArea(user: SatelliteUser, area: string, probe: FsProbe, say: (text: string) => void): void {
  const stat = probe.lstat(area);
  if (!stat) {
    say(`${area} does not exist`);
    return;
  }
  if (stat.isSymlink) {
    say(`${area} is a symlink (the area must be a real folder)`);
    return;
  }
  if (user.access === 'rw' && stat.uid !== user.uid) say(`${area} is owned by uid ${stat.uid}, not the read-write user's uid ${user.uid}`);
  if (stat.mode & 0o002) say(`${area} is writable by others (mode ${octal(stat.mode)})`);
}
