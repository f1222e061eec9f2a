import { type Clock, DebouncedJob, initialDebounce, type Logger } from '@homelab/core';
import type { RunJob } from './run-job.js';
import {
  debounceSettings,
  initialPoll,
  nextRunAt,
  type PollState,
  poll,
  runReason,
  runSucceeded,
  type ScheduleSettings,
} from './schedule.js';

export interface SchedulerSnapshot {
  running: boolean;
  newLinesPending: boolean;
  nextRunAt: number | undefined;
  failures: number;
  lastGoodAt: number | undefined;
}

/**
 * GoAccess runs through core's DebouncedJob (debounce, max wait, one run at a time, backoff; the
 * start run is its first, immediate batch). This shell polls the log's identity every `pollMs` and
 * feeds the job what the pure poll (schedule.ts) decides: new lines, or a run of a quiet log.
 */
export class StatsScheduler {
  private state: PollState = initialPoll();
  private readonly job: DebouncedJob;
  private readonly stopController = new AbortController();
  private pollDone: Promise<void> | undefined;

  constructor(
    private readonly opts: {
      clock: Clock;
      settings: ScheduleSettings;
      pollMs: number;
      probe: () => Promise<string | undefined>;
      run: RunJob;
      log: Logger;
    },
  ) {
    this.job = new DebouncedJob({
      clock: opts.clock,
      settings: debounceSettings(opts.settings),
      initial: initialDebounce({ now: opts.clock.now(), runAtStart: true }),
      run: async ({ startedAt, signal }) => {
        await opts.run({ startedAt, reason: runReason(this.state), signal });
        this.state = runSucceeded(this.state, startedAt);
      },
      log: opts.log,
    });
  }

  snapshot(): SchedulerSnapshot {
    const job = this.job.snapshot();
    return {
      running: job.running,
      newLinesPending: job.pendingChanges > 0,
      nextRunAt: nextRunAt(job, this.state, this.opts.settings),
      failures: job.failures,
      lastGoodAt: this.state.lastGoodAt,
    };
  }

  start(): void {
    this.pollDone ??= this.pollLoop();
  }

  /** Aborts a running GoAccess (its process is killed, its database copy dropped) and ends the polling. */
  async stop(): Promise<void> {
    this.stopController.abort(new Error('stopping'));
    await Promise.all([this.job.stop(), this.pollDone]);
  }

  private async pollLoop(): Promise<void> {
    const { clock, log } = this.opts;
    const signal = this.stopController.signal;
    const settings = { ...this.opts.settings, pollMs: this.opts.pollMs };
    let first = true;
    while (!signal.aborted) {
      const identity = await this.opts.probe().catch((error) => {
        log.warn({ err: error }, 'cannot stat the access log');
        return undefined;
      });
      const decision = poll(this.state, identity, clock.now(), this.job.snapshot().running, settings);
      this.state = decision.state;
      if (decision.newLines) this.job.notifyChanges();
      if (decision.askInterval) this.job.requestRun();
      // The log as it is at start belongs to the start run, not to a second batch after it.
      if (first) this.job.start();
      first = false;
      await clock.sleep(decision.sleepMs, signal).catch(() => {});
    }
  }
}
