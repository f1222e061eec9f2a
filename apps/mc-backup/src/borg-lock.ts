import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isProcessAlive } from '@homelab/core';

/**
 * Borg's lock: a folder `lock.exclusive` holding one file per holder named `HOSTID.PID-THREAD`, and
 * a `lock.roster` JSON file next to it. This module reads them and decides what to do; it never
 * deletes anything itself (that is `borg break-lock`'s job).
 */

export interface LockHolder {
  host: string;
  pid: number;
  thread: number;
}

/** The lock path from borg's LockTimeout message, or undefined when the failure is another one. */
export function lockTimeoutPath(stderr: string): string | undefined {
  return /Failed to create\/acquire the lock (.+?) \(timeout\)/.exec(stderr)?.[1];
}

/** Parses `HOSTID.PID-THREAD` (the host id may itself contain dots and dashes). */
export function parseHolderName(name: string): LockHolder | undefined {
  const dash = name.lastIndexOf('-');
  const dot = name.lastIndexOf('.', dash);
  if (dash < 0 || dot < 0) return undefined;
  const pid = Number(name.slice(dot + 1, dash));
  const thread = Number.parseInt(name.slice(dash + 1), 16);
  if (!Number.isInteger(pid) || Number.isNaN(thread)) return undefined;
  return { host: name.slice(0, dot), pid, thread };
}

/** Reads the holders of a local lock (exclusive folder + roster); undefined when it cannot be read (e.g. remote). */
export async function readLockHolders(lockExclusivePath: string): Promise<LockHolder[] | undefined> {
  const holders: LockHolder[] = [];
  let readable = false;
  try {
    for (const name of await readdir(lockExclusivePath)) {
      const holder = parseHolderName(name);
      if (holder) holders.push(holder);
    }
    readable = true;
  } catch {
    // not there (released meanwhile) or not local
  }
  try {
    const roster = JSON.parse(await readFile(join(dirname(lockExclusivePath), 'lock.roster'), 'utf8')) as Record<string, unknown>;
    for (const key of ['exclusive', 'shared']) {
      const entries = roster[key];
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        if (Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'number') {
          holders.push({ host: entry[0], pid: entry[1], thread: Number(entry[2] ?? 0) });
        }
      }
    }
    readable = true;
  } catch {
    // no roster
  }
  return readable ? dedupe(holders) : undefined;
}

function dedupe(holders: LockHolder[]): LockHolder[] {
  const seen = new Map<string, LockHolder>();
  for (const h of holders) seen.set(`${h.host}/${h.pid}/${h.thread}`, h);
  return [...seen.values()];
}

export type LockDecision =
  | { action: 'break'; holders: LockHolder[] }
  | { action: 'retry' }
  | { action: 'report'; reason: string; holders: LockHolder[] };

/**
 * Pure: a lock is broken only when every holder is our own host id and none of them is a live
 * borg process. A PID that is alive but not borg counts as dead: in a new container the old PID
 * can belong to anything (borg itself would wait for it forever).
 */
export function decideLock(holders: LockHolder[] | undefined, ownHostId: string, isLiveBorg: (pid: number) => boolean): LockDecision {
  if (holders === undefined) {
    return { action: 'report', reason: 'the lock cannot be inspected (remote repository?); not breaking it', holders: [] };
  }
  if (holders.length === 0) return { action: 'retry' };
  const foreign = holders.filter((h) => h.host !== ownHostId);
  if (foreign.length > 0) {
    return { action: 'report', reason: `held by another host: ${foreign.map(describeHolder).join(', ')}; not breaking it`, holders };
  }
  const live = holders.filter((h) => isLiveBorg(h.pid));
  if (live.length > 0) {
    return { action: 'report', reason: `held by a running borg process of this host: ${live.map(describeHolder).join(', ')}`, holders };
  }
  return { action: 'break', holders };
}

export function describeHolder(h: LockHolder): string {
  return `${h.host} pid ${h.pid}`;
}

/** True when `pid` is alive and its command line is borg's (python running borg, or a borg binary). */
export async function isLiveBorgProcess(pid: number): Promise<boolean> {
  if (!isProcessAlive(pid)) return false;
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.split('\0').some((arg) => /(^|\/)borg(\.exe|fs)?$/.test(arg) || /(^|\/)borg\//.test(arg));
  } catch {
    // no /proc (not Linux) or gone: trust the liveness check
    return isProcessAlive(pid);
  }
}
