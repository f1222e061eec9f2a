import type { Clock } from '@homelab/core';
import type { CronSpec } from './expression.js';
import { nextFire } from './next-fire.js';
import type { WallClock } from './wall-clock.js';

/**
 * Chained sleeps of at most an hour: below the 2^31-1 ms a node timer holds, and a system clock
 * stepped back or forth is noticed within the hour (the next fire is recomputed on every wake).
 */
export const MAX_SLEEP_MS = 3_600_000;

export interface CronRun {
  /** The first fire time (ms), undefined when the expression never fires. */
  readonly first: number | undefined;
  /** Settles once the signal aborted and the job in flight (if any) has finished. */
  readonly done: Promise<void>;
}

/**
 * Runs `job` at every fire time of `spec` in the zone of `wall` until `signal` aborts. Never two runs
 * at once: a run still going at a fire time lets it pass, and the next fire is the first after the
 * run ended. A wake after the fire time (a loaded machine, a suspended host) runs once, then waits
 * for the next fire after now. `job` handles its own errors.
 */
export function runOnSchedule(spec: CronSpec, wall: WallClock, job: () => Promise<void>, clock: Clock, signal: AbortSignal): CronRun {
  const first = nextFire(spec, clock.now(), wall);
  const loop = async () => {
    let target = first;
    while (target !== undefined && !signal.aborted) {
      const now = clock.now();
      if (now >= target) {
        await job();
        target = nextFire(spec, clock.now(), wall);
        continue;
      }
      // Equal to target unless the system clock went back past another fire time.
      target = nextFire(spec, now, wall);
      if (target === undefined) return;
      try {
        await clock.sleep(Math.min(target - now, MAX_SLEEP_MS), signal);
      } catch {
        return; // aborted
      }
    }
  };
  return { first, done: loop() };
}
