import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive } from '@homelab/core';
import { checkPublishedMap, readPublishedIndex, sha256, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { healthz, mapSetup, startWatcher, waitForRuns, waitPublished } from './helpers.js';

useCleanup();

describe('a failing or hanging renderer', () => {
  it('a failed render keeps the last good map, logs the stderr, and is retried with backoff', async () => {
    const setup = await mapSetup();
    const app = await startWatcher(setup, { MAP_DEBOUNCE: '300ms', MAP_RETRY_MIN: '1s', MAP_RETRY_MAX: '2s' });
    const good = await waitPublished(setup);

    await setup.fake.setControl({ mode: 'fail' });
    await writeFile(join(setup.world, 'region', 'r.0.0.mca'), 'after the failure');
    // The first attempt and two retries fail.
    await waitForRuns(setup, 4);
    expect(await checkPublishedMap(setup.output)).toEqual(good);
    const failure = app.proc.logs().find((l) => l.msg === 'render failed; keeping the last good map');
    expect(String(failure?.stderr)).toMatch(/simulated failure in render/);
    // The fake logs its end just before it exits: give the watcher a moment to see the exit.
    const health = await waitFor(
      async () => {
        const h = await healthz(app);
        return (h.consecutiveFailures as number) >= 3 ? h : undefined;
      },
      { what: 'three consecutive failures in /healthz' },
    );
    expect(health.lastRender).toMatchObject({ result: 'failed' });
    expect(await app.metrics()).toMatch(/map_render_failures_total\{reason="failed",app="map-watcher"\} [3-9]/);
    const [a, b, c] = (await setup.fake.starts()).slice(1).map((s) => s.at) as [number, number, number];
    // Backoff doubles: the first retry waits 1 s after the failure, the second 2 s.
    expect(b - a).toBeGreaterThanOrEqual(1_000);
    expect(c - b).toBeGreaterThanOrEqual(2_000);

    await setup.fake.setControl({});
    await waitFor(async () => (await readPublishedIndex(setup.output)).inputs['region/r.0.0.mca'] === sha256('after the failure'), {
      timeoutMs: 15_000,
      what: 'the retry to publish the change',
    });
    expect((await checkPublishedMap(setup.output)).ok).toBe(true);
    // /healthz is updated just after the swap that made the change visible.
    await waitFor(async () => ((await healthz(app)).lastRender as { result?: string } | null)?.result === 'ok', {
      what: 'a successful render in /healthz',
    });
  });

  it('a render hanging past MAP_RENDER_TIMEOUT is killed, the map stays, and it is retried', async () => {
    const setup = await mapSetup();
    const app = await startWatcher(setup, { MAP_DEBOUNCE: '300ms', MAP_RENDER_TIMEOUT: '2s', MAP_RETRY_MIN: '1s' });
    const good = await waitPublished(setup);

    await setup.fake.setControl({ mode: 'hang' });
    await writeFile(join(setup.world, 'region', 'r.1.0.mca'), 'after the hang');
    const hung = await waitFor(async () => (await setup.fake.starts()).find((s) => s.mode === 'hang'), { what: 'a hanging render' });
    await app.proc.waitForLine(/render timed out and was killed/, 15_000);
    await waitFor(() => !isProcessAlive(hung.pid), { timeoutMs: 10_000, what: `hung renderer ${hung.pid} to be killed` });
    expect(await checkPublishedMap(setup.output)).toEqual(good);
    expect((await healthz(app)).lastRender).toMatchObject({ result: 'timeout' });

    await setup.fake.setControl({});
    await waitFor(async () => (await readPublishedIndex(setup.output)).inputs['region/r.1.0.mca'] === sha256('after the hang'), {
      timeoutMs: 20_000,
      what: 'the retry to publish the change',
    });
    expect(await app.metrics()).toMatch(/map_render_failures_total\{reason="timeout",app="map-watcher"\} [1-9]/);
  });
});
