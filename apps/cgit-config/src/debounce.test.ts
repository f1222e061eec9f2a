import { describe, expect, it } from 'vitest';
import { Debouncer, renderDueAt } from './debounce.js';

describe('renderDueAt', () => {
  it.each([
    [0, 0, 300, 1000, 300],
    [0, 200, 300, 1000, 500],
    [0, 900, 300, 1000, 1000],
    [100, 5000, 300, 1000, 1100],
  ])('first %i last %i quiet %i max %i -> %i', (first, last, quiet, max, due) => {
    expect(renderDueAt(first, last, quiet, max)).toBe(due);
  });
});

describe('Debouncer', () => {
  it('runs once per burst and once more for events during a run', async () => {
    let runs = 0;
    let release: () => void = () => {};
    const debouncer = new Debouncer(
      () =>
        new Promise<void>((resolve) => {
          runs++;
          release = resolve;
        }),
      { quietMs: 20, maxWaitMs: 100 },
    );
    for (let i = 0; i < 5; i++) debouncer.trigger();
    await new Promise((r) => setTimeout(r, 60));
    expect(runs).toBe(1);
    debouncer.trigger();
    await new Promise((r) => setTimeout(r, 60));
    expect(runs).toBe(1);
    release();
    await new Promise((r) => setTimeout(r, 60));
    expect(runs).toBe(2);
    release();
    await debouncer.close();
  });
});
