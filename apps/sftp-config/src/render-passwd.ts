import type { SatelliteUser } from './config.js';

export interface AccountSettings {
  /** Login shell of rsync users: sshd runs their forced command with `SHELL -c`. */
  shell: string;
  /** Login shell of sftp users (internal-sftp runs inside sshd, no shell at all). */
  nologin: string;
}

/** Base entries whose name or uid a satellite user would shadow are dropped from the users' side. */
function baseNames(base: string): { names: Set<string>; ids: Set<string> } {
  const names = new Set<string>();
  const ids = new Set<string>();
  for (const line of base.split('\n')) {
    const [name, , id] = line.split(':');
    if (name) names.add(name);
    if (id) ids.add(id);
  }
  return { names, ids };
}

/** passwd = the base entries + one line per user (private group gid = uid, home = `/`). */
export function renderPasswd(base: string, users: readonly SatelliteUser[], s: AccountSettings): string {
  const taken = baseNames(base);
  const lines = base.split('\n').filter((l) => l.trim() !== '');
  for (const u of users) {
    if (taken.names.has(u.name) || taken.ids.has(String(u.uid))) continue;
    lines.push(`${u.name}:x:${u.uid}:${u.uid}:satellite:/:${u.mode === 'rsync' ? s.shell : s.nologin}`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderGroup(base: string, users: readonly SatelliteUser[]): string {
  const taken = baseNames(base);
  const lines = base.split('\n').filter((l) => l.trim() !== '');
  for (const u of users) {
    if (taken.names.has(u.name) || taken.ids.has(String(u.uid))) continue;
    lines.push(`${u.name}:x:${u.uid}:`);
  }
  return `${lines.join('\n')}\n`;
}

/** Users whose name or uid the base already holds: reported and disabled, never merged. */
export function clashingUsers(passwdBase: string, users: readonly SatelliteUser[]): SatelliteUser[] {
  const taken = baseNames(passwdBase);
  return users.filter((u) => taken.names.has(u.name) || taken.ids.has(String(u.uid)));
}
