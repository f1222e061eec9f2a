import type { Clock } from './clock.js';
import {
  type DebounceSettings,
  type DebounceState,
  type Decision,
  decide,
  dueAt,
  finishRun,
  recordChanges,
  requestImmediate,
  startRun,
} from './debounce.js';
import type { Logger } from './logger.js';

/** One run of the job; throws when it failed (the batch is kept and retried after a backoff). */
export type DebouncedTask = (info: { startedAt: number; signal: AbortSignal }) => Promise<void>;

export interface DebouncedJobSnapshot {
  running: boolean;
  pendingChanges: number;
  nextRunAt: number | undefined;
  failures: number;
}

/**
 * The effectful shell around the pure debounce (debounce.ts): keeps the state, sleeps on the
 * injected clock until the next decision, and runs the task one at a time. `name` words the logs
 * ("render failed", "render will be retried").
 */
export class DebouncedJob {
  private state: DebounceState;
  private readonly stopController = new AbortController();
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;

  constructor(
    private readonly opts: {
      clock: Clock;
      settings: DebounceSettings;
      initial: DebounceState;
      run: DebouncedTask;
      log: Logger;
      name?: string;
    },
  ) {
    this.state = opts.initial;
  }

  /** Records changes; wakes the loop only when it sleeps without a deadline (debounce only moves later). */
  notifyChanges(count = 1): void {
    const wasIdle = this.state.pending === undefined && this.state.inFlight === undefined;
    this.state = recordChanges(this.state, this.opts.clock.now(), count);
    if (wasIdle) this.wake?.();
  }

  /** Runs as soon as no run is in flight (and no backoff holds), without waiting for quiet. */
  requestRun(): void {
    this.state = requestImmediate(this.state, this.opts.clock.now());
    // The due time moves earlier: whatever the loop sleeps on, it has to decide again.
    if (this.state.inFlight === undefined) this.wake?.();
  }

  snapshot(): DebouncedJobSnapshot {
    return {
      running: this.state.inFlight !== undefined,
      pendingChanges: this.state.pending?.count ?? 0,
      nextRunAt: dueAt(this.state, this.opts.settings),
      failures: this.state.failures,
    };
  }

  start(): void {
    this.loopDone ??= this.loop();
  }

  /** Aborts a run in flight (its signal aborts) and ends the loop. */
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
      if (decision.kind === 'run') {
        this.state = startRun(this.state, now);
        let ok = false;
        try {
          await this.opts.run({ startedAt: now, signal });
          ok = true;
        } catch (error) {
          if (signal.aborted) return;
          log.debug({ err: error }, `${this.opts.name ?? 'run'} failed`);
        }
        this.state = finishRun(this.state, clock.now(), ok, settings);
        if (!ok)
          log.info(
            { failures: this.state.failures, retryAt: new Date(this.state.retryAt ?? 0).toISOString() },
            `${this.opts.name ?? 'run'} will be retried`,
          );
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
