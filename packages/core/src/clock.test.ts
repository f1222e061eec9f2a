import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from './clock.js';

describe('clocks', () => {
  it('ManualClock wakes sleepers only when advanced past their time', async () => {
    const clock = new ManualClock(1_000);
    const woke: number[] = [];
    void clock.sleep(100).then(() => woke.push(clock.now()));
    void clock.sleep(300).then(() => woke.push(clock.now()));
    clock.advance(150);
    await Promise.resolve();
    expect(woke).toEqual([1_150]);
    clock.advance(200);
    await Promise.resolve();
    expect(woke).toEqual([1_150, 1_350]);
  });

  it('systemClock.sleep rejects when aborted', async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(10_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
  });

  it('ManualClock.sleep rejects when aborted, before or while sleeping, and forgets the sleeper', async () => {
    const clock = new ManualClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    expect(clock.pending).toBe(1);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    expect(clock.pending).toBe(0);
    await expect(clock.sleep(10, controller.signal)).rejects.toThrow('stop');
    expect(clock.pending).toBe(0);
  });
});
