import { type Clock, errorMessage, type Lifecycle, type Logger } from '@homelab/core';
import { type BackupApp, BusyError } from './app.js';
import type { Settings } from './config.js';
import { parseCron } from './cron/expression.js';
import { runOnSchedule } from './cron/scheduler.js';
import { wallClockOf } from './cron/wall-clock.js';

export interface Daemon {
  /** Resolves when the in-flight run (if any) has finished. */
  idle(): Promise<void>;
}

/**
 * The long-running mode: recovery at start (retried until save-on got through), the backup
 * schedule and the optional check schedule, never two runs at once (a schedule waits for its own run inside
 * this process, the run lock across processes, e.g. a `mc-backup now` next to the daemon).
 */
export function startDaemon(app: BackupApp, settings: Settings, lifecycle: Lifecycle, log: Logger, clock: Clock): Daemon {
  const inflight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    const settled = work.catch(() => {});
    inflight.add(settled);
    void settled.then(() => inflight.delete(settled));
    return work;
  };
  const idle = async () => {
    while (inflight.size > 0) await Promise.all([...inflight]);
  };

  let recovering = false;
  const recoverLoop = async () => {
    if (recovering) return;
    recovering = true;
    try {
      for (let attempt = 0; !lifecycle.signal.aborted; attempt++) {
        try {
          const result = await track(app.recover());
          if (result === 'busy') log.info('a backup is running in another process; it owns the recovery');
          return;
        } catch (error) {
          log.warn({ attempt, error: errorMessage(error) }, 'recovery failed; retrying');
          await clock.sleep(Math.min(1_000 * 2 ** attempt, 30_000), lifecycle.signal).catch(() => {});
        }
      }
    } finally {
      recovering = false;
    }
  };
  void recoverLoop();
  /** A run that could not send save-on leaves the flag set: keep retrying until it gets through. */
  const recoverIfOwed = async () => {
    if (!lifecycle.signal.aborted && (await app.state.read().catch(() => undefined))?.paused) void recoverLoop();
  };

  const scheduled = async () => {
    if (lifecycle.signal.aborted) return;
    try {
      if (!(await app.presence.beforeScheduled()).run) return;
      await track(app.backup('scheduled', lifecycle.signal));
    } catch (error) {
      if (error instanceof BusyError) log.warn({ holder: error.holderPid }, 'scheduled backup skipped: another backup is running');
      else log.error({ error: errorMessage(error) }, 'scheduled backup could not run');
    }
    await recoverIfOwed();
  };
  const checkRun = async () => {
    if (lifecycle.signal.aborted) return;
    try {
      await track(app.check(lifecycle.signal));
    } catch (error) {
      if (error instanceof BusyError) log.warn('scheduled borg check skipped: a backup is running');
      else log.error({ error: errorMessage(error) }, 'scheduled borg check could not run');
    }
  };

  const wall = wallClockOf(settings.timeZone);
  const runs = [runOnSchedule(parseCron(settings.schedule), wall, scheduled, clock, lifecycle.signal)];
  if (settings.checkSchedule) runs.push(runOnSchedule(parseCron(settings.checkSchedule), wall, checkRun, clock, lifecycle.signal));
  const next = runs[0]?.first;
  log.info(
    {
      schedule: settings.schedule,
      timeZone: settings.timeZone,
      next: next === undefined ? undefined : new Date(next).toISOString(),
      check: settings.checkSchedule,
    },
    'scheduler started',
  );

  app.presence.start(lifecycle.signal, async (trigger) => {
    try {
      await track(app.backup(trigger, lifecycle.signal));
    } catch (error) {
      if (error instanceof BusyError) log.warn({ holder: error.holderPid, trigger }, 'presence backup skipped: another backup is running');
      else throw error;
    }
    await recoverIfOwed();
  });

  // Stop hooks run in reverse order: this one runs before the health server closes.
  lifecycle.onStop('scheduler', async () => {
    await Promise.all(runs.map((r) => r.done));
    await idle();
  });
  return { idle };
}
