import type { Clock, Logger } from '@homelab/core';
import {
  listReleaseDirs,
  type PublishResult,
  type PublishState,
  publishRelease,
  type ReleaseLayout,
  readCurrentRelease,
  readPublishState,
  removeRelease,
} from './publish.js';
import { BUILDING_PREFIX, releasesToRemove } from './releases.js';

/** Publishes releases and removes replaced ones once their grace period is over. */
export class Publisher {
  private state: PublishState | undefined;
  private readonly retiredAt = new Map<string, number>();

  constructor(private readonly opts: { layout: ReleaseLayout; staging: string; graceMs: number; clock: Clock; log: Logger }) {}

  get current(): PublishState | undefined {
    return this.state;
  }

  /** Reads what is published; leftovers of interrupted builds go, other old releases get a grace period. */
  async init(): Promise<void> {
    this.state = await readPublishState(this.opts.layout);
    const current = await readCurrentRelease(this.opts.layout);
    const now = this.opts.clock.now();
    for (const name of await listReleaseDirs(this.opts.layout)) {
      if (name.startsWith(BUILDING_PREFIX)) await removeRelease(this.opts.layout, name);
      else if (name !== current) this.retiredAt.set(name, now);
    }
  }

  async publish(sourceTime: number): Promise<PublishResult> {
    const previous = this.state;
    const { state, result } = await publishRelease({
      staging: this.opts.staging,
      layout: this.opts.layout,
      previous,
      sourceTime,
      now: () => this.opts.clock.now(),
    });
    this.state = state;
    if (previous) this.retiredAt.set(previous.current, this.opts.clock.now());
    return result;
  }

  /** Removes releases whose grace period is over; returns their names. */
  async cleanup(): Promise<string[]> {
    const names = await listReleaseDirs(this.opts.layout);
    const now = this.opts.clock.now();
    const current = await readCurrentRelease(this.opts.layout);
    for (const name of names)
      if (name !== current && !name.startsWith(BUILDING_PREFIX) && !this.retiredAt.has(name)) this.retiredAt.set(name, now);
    const doomed = releasesToRemove({ names, current, retiredAt: this.retiredAt, now, graceMs: this.opts.graceMs });
    for (const name of doomed) {
      await removeRelease(this.opts.layout, name);
      this.retiredAt.delete(name);
    }
    if (doomed.length > 0) this.opts.log.debug({ removed: doomed }, 'old releases removed');
    return doomed;
  }
}
