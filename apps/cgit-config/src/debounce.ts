/**
 * Pure: when to render after a burst of pool events. Waits for `quietMs` without events so a push
 * or a `git config` rewrite settles, but never longer than `maxWaitMs` after the first event, so a
 * steady stream of events cannot postpone a render forever.
 */
export function renderDueAt(firstEventAt: number, lastEventAt: number, quietMs: number, maxWaitMs: number): number {
  return Math.min(lastEventAt + quietMs, firstEventAt + maxWaitMs);
}

/** Runs `task` once per burst (see renderDueAt); a burst during a run schedules one more run. */
export class Debouncer {
  private first: number | undefined;
  private last = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly opts: { quietMs: number; maxWaitMs: number; now?: () => number },
  ) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  trigger(): void {
    const now = this.now();
    this.first ??= now;
    this.last = now;
    this.schedule();
  }

  private schedule(): void {
    if (this.first === undefined) return;
    if (this.timer) clearTimeout(this.timer);
    const due = renderDueAt(this.first, this.last, this.opts.quietMs, this.opts.maxWaitMs);
    this.timer = setTimeout(() => this.fire(), Math.max(0, due - this.now()));
  }

  private fire(): void {
    this.timer = undefined;
    if (this.running) {
      this.again = true;
      return;
    }
    this.first = undefined;
    this.running = this.task().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.first ??= this.now();
        this.schedule();
      }
    });
  }

  /** Cancels a pending run and waits for a running one. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.first = undefined;
    this.again = false;
    await this.running;
  }
}
