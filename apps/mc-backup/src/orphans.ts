import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { isProcessAlive } from '@homelab/core';

/**
 * Children of a killed mc-backup (rsync, borg) keep running as orphans: an orphaned rsync would
 * keep writing the staging folder and an orphaned borg keeps the repository lock. Every child gets
 * the marker `MC_BACKUP_CHILD=<state dir>#<parent pid>` in its environment, so the next run
 * (holding the run lock) can find those of this state folder whose mc-backup is dead and stop
 * them. Children of a live mc-backup (e.g. the borg of a `list` next to the daemon) are left alone.
 */
export const CHILD_MARKER = 'MC_BACKUP_CHILD';

export function childMarker(stateDir: string, pid = process.pid): Record<string, string> {
  return { [CHILD_MARKER]: `${stateDir}#${pid}` };
}

export async function findOrphans(
  stateDir: string,
  ownPid = process.pid,
  parentAlive: (pid: number) => boolean = isRunning,
): Promise<number[]> {
  const prefix = `${CHILD_MARKER}=${stateDir}#`;
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === ownPid) continue;
    try {
      const environ = await readFile(`/proc/${pid}/environ`, 'utf8');
      const marker = environ.split('\0').find((v) => v.startsWith(prefix));
      if (marker === undefined) continue;
      const parent = Number(marker.slice(prefix.length));
      if (parent !== ownPid && !parentAlive(parent)) found.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** SIGTERM (borg releases its lock), then SIGKILL after `graceMs`; resolves when all are gone. */
export async function stopProcesses(pids: number[], graceMs: number, sleep: (ms: number) => Promise<void>): Promise<void> {
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(isRunning) && Date.now() < deadline) await sleep(50);
  for (const pid of pids.filter(isRunning)) signal(pid, 'SIGKILL');
  while (pids.some(isRunning) && Date.now() < deadline + 2_000) await sleep(50);
}

/** Alive and not a zombie (an exited orphan waiting for its reaper holds no lock and writes nothing). */
export function isRunning(pid: number): boolean {
  if (!isProcessAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
