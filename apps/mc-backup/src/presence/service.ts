import { join } from 'node:path';
import { type Clock, errorMessage, type Logger } from '@homelab/core';
import { parseListReply } from '@homelab/rcon';
import type { RconConnector } from '../ports.js';
import type { BackupState } from '../state.js';
import { parseLogLine } from './log-events.js';
import { followLog } from './log-follower.js';
import {
  applyEvent,
  type BackupMode,
  nextPresenceBackup,
  type Presence,
  type RunTimes,
  type ScheduledDecision,
  scheduledDecision,
} from './policy.js';
import { createPresenceStore, initialPresence, type PresenceFile } from './store.js';

export interface PresenceSettings {
  mode: BackupMode;
  logSocket: string | undefined;
  delayMs: number;
  minIntervalMs: number;
  stateDir: string;
  rconTimeoutMs: number;
}

export interface PresenceDeps {
  connector: RconConnector;
  readState(): Promise<BackupState>;
  clock: Clock;
  log: Logger;
  onSkip?(reason: string): Promise<void> | void;
}

/** Timers are re-armed at least this often, so no Node timer gets near its 24.8-day limit. */
const MAX_TIMER_MS = 3_600_000;

const runTimes = (state: BackupState): RunTimes => ({
  lastSuccessStartedAt: state.lastSuccess?.startedAt ?? null,
  lastRunStartedAt: state.lastRun?.startedAt ?? null,
});

/**
 * BACKUP_MODE: who is online (the bridge's log stream of join/leave lines, and `list`), whether a
 * scheduled run backs up, and, for `after-leave`, the backups that follow the players.
 */
export function createPresenceService(settings: PresenceSettings, deps: PresenceDeps) {
  const log = deps.log.child({ component: 'presence' });
  const store = createPresenceStore(join(settings.stateDir, 'presence.json'));
  let current: PresenceFile | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  // Every change goes through one queue: events, list replies and skips never overwrite each other.
  const change = (fn: (p: PresenceFile) => PresenceFile): Promise<PresenceFile> => {
    const next = chain.then(async () => {
      current ??= await store.read().catch(() => ({ ...initialPresence }));
      current = fn(current);
      await store.write(current);
      return current;
    });
    chain = next.catch((error) => log.warn({ error: errorMessage(error) }, 'could not save presence'));
    return next;
  };
  const read = async (): Promise<PresenceFile> => (current ??= await store.read().catch(() => ({ ...initialPresence })));
  const presenceOf = (p: PresenceFile): Presence => ({
    online: p.online,
    lastPlayedAt: p.lastPlayedAt,
    lastLeaveAt: p.lastLeaveAt,
    serverStartAt: p.serverStartAt,
  });

  /** Asks `list`; unreachable or not a list reply: what the log said stands. */
  const syncList = async (): Promise<void> => {
    try {
      const rcon = await deps.connector.connect({ timeoutMs: settings.rconTimeoutMs });
      try {
        const online = parseListReply(await rcon.command('list', { timeoutMs: settings.rconTimeoutMs }));
        if (online) await change((p) => ({ ...p, ...applyEvent(presenceOf(p), { kind: 'list', online }, deps.clock.now()) }));
      } finally {
        await rcon.close().catch(() => {});
      }
    } catch (error) {
      log.debug({ error: errorMessage(error) }, 'list failed; using what the log said');
    }
  };

  return {
    read,

    /** Whether the scheduled run backs up; a skip is recorded (readiness counts it as fresh). */
    async beforeScheduled(): Promise<ScheduledDecision> {
      if (settings.mode === 'always') return { run: true, reason: 'BACKUP_MODE=always' };
      await syncList();
      const p = await read();
      const decision = scheduledDecision(settings.mode, presenceOf(p), runTimes(await deps.readState()));
      if (!decision.run) {
        await change((q) => ({ ...q, lastNoPlaySkipAt: deps.clock.now() }));
        log.info({ reason: decision.reason, lastPlayedAt: p.lastPlayedAt }, 'scheduled backup skipped: nobody played');
        await deps.onSkip?.(decision.reason);
      }
      return decision;
    },

    /** For readiness: the last scheduled run skipped because nobody played. */
    async freshSince(): Promise<number | undefined> {
      return (await read()).lastNoPlaySkipAt ?? undefined;
    },

    /** Follows the log; with `after-leave`, runs the backups the players' leaving and server starts owe. */
    start(signal: AbortSignal, backup: (trigger: 'after-leave' | 'server-start') => Promise<unknown>): void {
      if (settings.mode === 'always' || !settings.logSocket) return;
      let timer: NodeJS.Timeout | undefined;
      let running = false;
      const replan = async () => {
        clearTimeout(timer);
        if (signal.aborted || running) return;
        const planned = nextPresenceBackup(settings.mode, presenceOf(await read()), runTimes(await deps.readState()), settings);
        if (!planned) return;
        const wait = planned.at - deps.clock.now();
        if (wait > 0) {
          log.debug({ at: new Date(planned.at).toISOString(), trigger: planned.trigger }, 'backup planned');
          timer = setTimeout(() => void replan(), Math.min(wait, MAX_TIMER_MS));
          return;
        }
        running = true;
        try {
          log.info(
            { trigger: planned.trigger },
            planned.trigger === 'after-leave' ? 'the last player left: backing up' : 'the server started: backing up',
          );
          await backup(planned.trigger);
        } catch (error) {
          log.error({ error: errorMessage(error) }, 'presence backup could not run');
        } finally {
          running = false;
        }
        void replan();
      };
      signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
      const onLine = (line: string) => {
        const event = parseLogLine(line);
        if (!event) return;
        // Only event lines matter, so only they are remembered as "handled".
        void change((p) => ({ ...p, ...applyEvent(presenceOf(p), event, deps.clock.now()), lastLine: line }))
          .then(() => {
            log.info({ event }, 'presence');
            return replan();
          })
          .catch(() => {});
      };
      void read().then(() => {
        followLog({
          path: settings.logSocket as string,
          lastLine: () => current?.lastLine ?? null,
          signal,
          log,
          onLine,
          onConnected: () => void syncList().then(replan),
        });
        return replan();
      });
    },
  };
}
export type PresenceService = ReturnType<typeof createPresenceService>;
