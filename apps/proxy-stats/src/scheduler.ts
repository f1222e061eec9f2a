import type { Clock, Logger } from '@homelab/core';
import type { RunJob } from './run-job.js';
import {
  decide,
  finishRun,
  initialSchedule,
  nextRun,
  observeLog,
  type ScheduleSettings,
  type ScheduleState,
  startRun,
} from './schedule.js';

export interface SchedulerSnapshot {
  running: boolean;
  newLinesPending: boolean;
  nextRunAt: number;
  failures: number;
  lastGoodAt: number | undefined;
}

/**
 * The effectful shell around the pure schedule: polls the log's identity every `pollMs`, feeds it to
 * the policy, and runs GoAccess when the policy says so, one run at a time.
 */
export class StatsScheduler {
  private state: ScheduleState = initialSchedule();
  private readonly stopController = new AbortController();
  private loopDone: Promise<void> | undefined;

  constructor(
    private readonly opts: {
      clock: Clock;
      settings: ScheduleSettings;
      pollMs: number;
      probe: () => Promise<string | undefined>;
      run: RunJob;
      log: Logger;
    },
  ) {}

  snapshot(): SchedulerSnapshot {
    return {
      running: this.state.running !== undefined,
      newLinesPending: this.state.pending !== undefined,
      nextRunAt: nextRun(this.state, this.opts.settings).at,
      failures: this.state.failures,
      lastGoodAt: this.state.lastGoodAt,
    };
  }

  start(): void {
    this.loopDone ??= this.loop();
  }

  /** Aborts a running GoAccess (its process is killed, its database copy dropped) and ends the loop. */
  async stop(): Promise<void> {
    this.stopController.abort(new Error('stopping'));
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    const { clock, settings, log } = this.opts;
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      const identity = await this.opts.probe().catch((error) => {
        log.warn({ err: error }, 'cannot stat the access log');
        return undefined;
      });
      const now = clock.now();
      this.state = observeLog(this.state, identity, now);
      const decision = decide(this.state, now, settings);
      if (decision.kind === 'run') {
        this.state = startRun(this.state, now);
        let ok = false;
        try {
          await this.opts.run({ startedAt: now, reason: decision.reason, signal });
          ok = true;
        } catch (error) {
          if (signal.aborted) return;
          log.debug({ err: error }, 'run failed');
        }
        this.state = finishRun(this.state, clock.now(), ok, settings);
        if (!ok)
          log.info({ failures: this.state.failures, retryAt: new Date(this.state.retryAt ?? 0).toISOString() }, 'run will be retried');
        continue;
      }
      const until = decision.kind === 'wait' ? decision.until : now + this.opts.pollMs;
      await clock.sleep(Math.max(1, Math.min(this.opts.pollMs, until - now)), signal).catch(() => {});
    }
  }
}
