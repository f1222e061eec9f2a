import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { isProcessAlive } from '@homelab/core';

/**
 * Children of a killed mc-backup (rsync, borg) keep running as orphans: an orphaned rsync would
 * keep writing the staging folder and an orphaned borg keeps the repository lock. Every child gets
 * the marker `MC_BACKUP_CHILD=<state dir>` in its environment, so the next run (holding the run
 * lock, so no live mc-backup owns them) can find and stop them.
 */
export const CHILD_MARKER = 'MC_BACKUP_CHILD';

export async function findOrphans(marker: string, ownPid = process.pid): Promise<number[]> {
  const needle = `${CHILD_MARKER}=${marker}`;
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
      if (environ.split('\0').includes(needle)) found.push(pid);
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
