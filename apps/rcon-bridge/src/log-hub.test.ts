import { describe, expect, it } from 'vitest';
import { LogHub } from './log-hub.js';

describe('LogHub', () => {
  it('gives a new subscriber the last N lines, then live ones, until it unsubscribes', () => {
    const hub = new LogHub(3);
    for (const l of ['a', 'b', 'c', 'd']) hub.push(l);
    const got: string[] = [];
    const stop = hub.subscribe((l) => got.push(l));
    hub.push('e');
    stop();
    hub.push('f');
    expect(got).toEqual(['b', 'c', 'd', 'e']);
    expect(hub.lines).toEqual(['d', 'e', 'f']);
    expect(hub.subscriberCount).toBe(0);
  });

  it('keeps no history with 0', () => {
    const hub = new LogHub(0);
    hub.push('a');
    const got: string[] = [];
    hub.subscribe((l) => got.push(l));
    expect(got).toEqual([]);
  });
});
