import type { Clock } from '@homelab/core';

/**
 * A clock whose time moves by 1 ms per reading and whose sleeps return at once (advancing time);
 * a sleep with an aborted signal rejects with its reason, as the system clock's does.
 */
export class SteppingClock implements Clock {
  constructor(public time = Date.parse('2026-06-01T04:00:00Z')) {}
  now(): number {
    return this.time++;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.time += ms;
  }
}
