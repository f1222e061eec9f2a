import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { initialDebounce } from './debounce.js';
import { DebouncedJob } from './debounced-job.js';
import { silentLogger } from './logger.js';

const settings = { debounceMs: 10, maxWaitMs: 100, retryMinMs: 30, retryMaxMs: 1000 };
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A render that records when it started and finishes (or fails) when the test says so. */
function recordingRender() {
  const starts: number[] = [];
  const pending: { finish: (ok: boolean) => void; signal: AbortSignal }[] = [];
  const render = ({ startedAt, signal }: { startedAt: number; signal: AbortSignal }) =>
    new Promise<void>((resolve, reject) => {
      starts.push(startedAt);
      pending.push({ finish: (ok) => (ok ? resolve() : reject(new Error('render failed'))), signal });
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  return { starts, pending, render };
}

async function scheduler(runAtStart = false) {
  const clock = new ManualClock(0);
  const fake = recordingRender();
  const sched = new DebouncedJob({
    clock,
    settings,
    initial: initialDebounce({ now: 0, runAtStart }),
    run: fake.render,
    log: silentLogger(),
  });
  sched.start();
  await flush();
  const advance = async (ms: number) => {
    clock.advance(ms);
    await flush();
  };
  return { clock, fake, sched, advance };
}

describe('DebouncedJob (the effectful shell, on a manual clock)', () => {
  it('sleeps through the debounce, renders once, then runs exactly one follow-up', async () => {
    const { fake, sched, advance } = await scheduler();
    sched.notifyChanges();
    await advance(9);
    expect(fake.starts).toEqual([]);
    sched.notifyChanges(); // t=9: the quiet period starts again
    await advance(9);
    expect(fake.starts).toEqual([]);
    await advance(1);
    expect(fake.starts).toEqual([19]);
    expect(sched.snapshot()).toMatchObject({ running: true, pendingChanges: 0 });

    sched.notifyChanges(); // during the render
    sched.notifyChanges();
    expect(sched.snapshot().pendingChanges).toBe(2);
    await advance(50);
    fake.pending[0]?.finish(true);
    await flush();
    await flush();
    // The quiet period after the changes passed during the render: the follow-up starts at once.
    expect(fake.starts).toEqual([19, 69]);
    fake.pending[1]?.finish(true);
    await advance(1_000);
    expect(fake.starts).toEqual([19, 69]);
    await sched.stop();
  });

  it('renders at once when asked at start, and retries a failure after the backoff', async () => {
    const { fake, sched, advance } = await scheduler();
    sched.requestRun();
    await flush();
    expect(fake.starts).toEqual([0]);
    fake.pending[0]?.finish(false);
    await flush();
    await flush();
    expect(sched.snapshot()).toMatchObject({ failures: 1, nextRunAt: 30 });
    await advance(29);
    expect(fake.starts).toEqual([0]);
    await advance(1);
    expect(fake.starts).toEqual([0, 30]);
    fake.pending[1]?.finish(true);
    await flush();
    expect(sched.snapshot()).toMatchObject({ failures: 0, nextRunAt: undefined });
    await sched.stop();
  });

  it('stop aborts a running render', async () => {
    const { fake, sched } = await scheduler();
    sched.requestRun();
    await flush();
    const signal = fake.pending[0]?.signal;
    await sched.stop();
    expect(signal?.aborted).toBe(true);
  });
});
