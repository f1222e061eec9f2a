import { describe, expect, it } from 'vitest';
import { createLifecycle } from './lifecycle.js';
import { silentLogger } from './logger.js';

describe('lifecycle', () => {
  it('aborts its signal and runs stop hooks in reverse order', async () => {
    const lifecycle = createLifecycle({ log: silentLogger(), signals: [] });
    const order: string[] = [];
    lifecycle.onStop('first', () => {
      order.push('first');
    });
    lifecycle.onStop('second', async () => {
      await new Promise((r) => setTimeout(r, 20));
      order.push('second');
    });
    lifecycle.onStop('third', (signal) => {
      order.push(`third aborted=${signal.aborted}`);
    });
    const outcome = await lifecycle.stop('test');
    expect(order).toEqual(['third aborted=true', 'second', 'first']);
    expect(outcome.clean).toBe(true);
    expect(lifecycle.signal.aborted).toBe(true);
  });

  it('finishes within its deadline even when a hook hangs, and says so', async () => {
    const lifecycle = createLifecycle({ log: silentLogger(), signals: [], deadlineMs: 200 });
    lifecycle.onStop('hangs', () => new Promise(() => {}));
    const started = Date.now();
    const outcome = await lifecycle.stop('test');
    expect(outcome.clean).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('keeps going after a failing hook and reports the stop unclean', async () => {
    const lifecycle = createLifecycle({ log: silentLogger(), signals: [] });
    let ran = false;
    lifecycle.onStop('runs anyway', () => {
      ran = true;
    });
    lifecycle.onStop('throws', () => {
      throw new Error('boom');
    });
    const outcome = await lifecycle.stop('test');
    expect(ran).toBe(true);
    expect(outcome.clean).toBe(false);
  });

  it('is idempotent: a second stop returns the same outcome', async () => {
    const lifecycle = createLifecycle({ log: silentLogger(), signals: [] });
    let runs = 0;
    lifecycle.onStop('count', () => {
      runs++;
    });
    const [a, b] = await Promise.all([lifecycle.stop('one'), lifecycle.stop('two')]);
    expect(a).toBe(b);
    expect(runs).toBe(1);
    expect(await lifecycle.stopped).toBe(a);
  });
});
