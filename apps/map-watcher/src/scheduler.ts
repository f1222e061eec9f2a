import type { Clock, Logger } from '@homelab/core';
import {
  type Decision,
  decide,
  dueAt,
  finishRender,
  recordChanges,
  requestImmediate,
  type ScheduleSettings,
  type ScheduleState,
  startRender,
} from './schedule.js';

/** One render attempt; throws when it failed. */
export type RenderJob = (info: { startedAt: number; signal: AbortSignal }) => Promise<void>;

export interface SchedulerSnapshot {
  rendering: boolean;
  pendingChanges: number;
  nextRenderAt: number | undefined;
  failures: number;
}

/**
 * The effectful shell around the pure schedule: keeps the state, sleeps on the injected clock
 * until the next decision, and runs one render at a time.
 */
export class RenderScheduler {
  private state: ScheduleState;
  private readonly stopController = new AbortController();
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;

  constructor(private readonly opts: { clock: Clock; settings: ScheduleSettings; initial: ScheduleState; render: RenderJob; log: Logger }) {
    this.state = opts.initial;
  }

  /** Records changes; wakes the loop only when it sleeps without a deadline (debounce only moves later). */
  notifyChanges(count = 1): void {
    const wasIdle = this.state.pending === undefined && this.state.inFlight === undefined;
    this.state = recordChanges(this.state, this.opts.clock.now(), count);
    if (wasIdle) this.wake?.();
  }

  /** Renders as soon as no render runs (and no backoff holds), without waiting for quiet. */
  requestRender(): void {
    this.state = requestImmediate(this.state, this.opts.clock.now());
    // The due time moves earlier: whatever the loop sleeps on, it has to decide again.
    if (this.state.inFlight === undefined) this.wake?.();
  }

  snapshot(): SchedulerSnapshot {
    return {
      rendering: this.state.inFlight !== undefined,
      pendingChanges: this.state.pending?.count ?? 0,
      nextRenderAt: dueAt(this.state, this.opts.settings),
      failures: this.state.failures,
    };
  }

  start(): void {
    this.loopDone ??= this.loop();
  }

  /** Aborts a running render (its process is killed) and ends the loop. */
  async stop(): Promise<void> {
    this.stopController.abort(new Error('stopping'));
    this.wake?.();
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    const { clock, settings, log } = this.opts;
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      const now = clock.now();
      const decision: Decision = decide(this.state, now, settings);
      if (decision.kind === 'render') {
        this.state = startRender(this.state, now);
        let ok = false;
        try {
          await this.opts.render({ startedAt: now, signal });
          ok = true;
        } catch (error) {
          if (signal.aborted) return;
          log.debug({ err: error }, 'render attempt failed');
        }
        this.state = finishRender(this.state, clock.now(), ok, settings);
        if (!ok)
          log.info({ failures: this.state.failures, retryAt: new Date(this.state.retryAt ?? 0).toISOString() }, 'render will be retried');
        continue;
      }
      await this.sleep(decision.kind === 'wait' ? decision.until - now : undefined, signal);
    }
  }

  private async sleep(ms: number | undefined, stop: AbortSignal): Promise<void> {
    const interrupt = new AbortController();
    const woken = new Promise<void>((resolve) => {
      this.wake = () => {
        interrupt.abort();
        resolve();
      };
    });
    if (stop.aborted) return;
    const timer = ms === undefined ? [] : [this.opts.clock.sleep(Math.max(0, ms), interrupt.signal).catch(() => {})];
    await Promise.race([woken, ...timer]);
    interrupt.abort();
    this.wake = undefined;
  }
}
