export type BackupMode = 'always' | 'if-played' | 'after-leave';

/** What the presence tracker knows; times in ms since the epoch. */
export interface Presence {
  online: string[];
  /** The last moment a player was seen online (a join, a leave, a `list` naming someone). */
  lastPlayedAt: number | null;
  /** When the last player left (the server became empty). */
  lastLeaveAt: number | null;
  /** When the server last finished starting. */
  serverStartAt: number | null;
}

export interface RunTimes {
  /** Start of the last successful backup (what it holds is at least this recent). */
  lastSuccessStartedAt: number | null;
  /** Start of the last run, successful or not (for the minimum interval). */
  lastRunStartedAt: number | null;
}

export type ScheduledDecision = { run: true; reason: string } | { run: false; reason: string };

/**
 * Pure: whether a scheduled run backs up. `always` does; `if-played` and `after-leave` (whose
 * schedule is the safety net for long sessions) skip when nobody was online since the last
 * successful backup started. With no successful backup yet, it backs up.
 */
export function scheduledDecision(mode: BackupMode, presence: Presence, runs: RunTimes): ScheduledDecision {
  if (mode === 'always') return { run: true, reason: 'BACKUP_MODE=always' };
  if (runs.lastSuccessStartedAt === null) return { run: true, reason: 'no successful backup yet' };
  if (presence.online.length > 0) return { run: true, reason: `online: ${presence.online.join(', ')}` };
  if (presence.lastPlayedAt !== null && presence.lastPlayedAt >= runs.lastSuccessStartedAt) {
    return { run: true, reason: 'played since the last backup' };
  }
  return { run: false, reason: 'nobody played since the last backup' };
}

export interface AfterLeaveSettings {
  delayMs: number;
  minIntervalMs: number;
}

export type PlannedBackup = { at: number; trigger: 'after-leave' | 'server-start' };

/**
 * Pure: the next backup `after-leave` owes, or undefined. One `delayMs` after the server became
 * empty (a rejoin cancels it: nobody is online again), one `delayMs` after each server start;
 * each is owed until a backup that started after its event succeeded, and none starts sooner
 * than `minIntervalMs` after the previous run started.
 */
export function nextPresenceBackup(
  mode: BackupMode,
  presence: Presence,
  runs: RunTimes,
  settings: AfterLeaveSettings,
): PlannedBackup | undefined {
  if (mode !== 'after-leave') return undefined;
  const done = (event: number) => runs.lastSuccessStartedAt !== null && runs.lastSuccessStartedAt >= event;
  const owed: PlannedBackup[] = [];
  if (presence.online.length === 0 && presence.lastLeaveAt !== null && !done(presence.lastLeaveAt)) {
    owed.push({ at: presence.lastLeaveAt + settings.delayMs, trigger: 'after-leave' });
  }
  if (presence.serverStartAt !== null && !done(presence.serverStartAt)) {
    owed.push({ at: presence.serverStartAt + settings.delayMs, trigger: 'server-start' });
  }
  const first = owed.sort((a, b) => a.at - b.at)[0];
  if (!first) return undefined;
  const earliest = runs.lastRunStartedAt === null ? first.at : runs.lastRunStartedAt + settings.minIntervalMs;
  return { ...first, at: Math.max(first.at, earliest) };
}

/** Pure: the tracker's state after one event at `now`. */
export function applyEvent(
  presence: Presence,
  event: { kind: 'join' | 'leave'; name: string } | { kind: 'server-start' | 'server-stop' } | { kind: 'list'; online: string[] },
  now: number,
): Presence {
  switch (event.kind) {
    case 'join':
      return { ...presence, online: [...new Set([...presence.online, event.name])], lastPlayedAt: now };
    case 'leave': {
      if (!presence.online.includes(event.name)) return { ...presence, lastPlayedAt: now };
      const online = presence.online.filter((n) => n !== event.name);
      return { ...presence, online, lastPlayedAt: now, lastLeaveAt: online.length === 0 ? now : presence.lastLeaveAt };
    }
    case 'list': {
      if (event.online.length > 0) return { ...presence, online: event.online, lastPlayedAt: now };
      // Someone we thought online is gone (we missed the leave line): the server became empty now.
      return presence.online.length > 0 ? { ...presence, online: [], lastLeaveAt: now } : presence;
    }
    case 'server-start':
      return { ...presence, online: [], serverStartAt: now };
    case 'server-stop':
      return presence.online.length > 0 ? { ...presence, online: [], lastPlayedAt: now, lastLeaveAt: now } : presence;
  }
}
