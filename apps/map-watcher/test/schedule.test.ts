import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { healthz, mapSetup, renderStartTimes, sleep, startWatcher, waitForRuns } from './helpers.js';

useCleanup();

describe('render schedule with a real watcher and renderer', () => {
  it('changes every second for longer than MAP_MAX_WAIT still render at MAP_MAX_WAIT', async () => {
    const setup = await mapSetup();
    const app = await startWatcher(setup, { MAP_DEBOUNCE: '2s', MAP_MAX_WAIT: '4s' });
    await waitForRuns(setup, 1);
    const firstChangeAt = Date.now();
    let lastChangeAt = firstChangeAt;
    for (let i = 0; i < 8; i++) {
      lastChangeAt = Date.now();
      await writeFile(join(setup.world, 'region', 'r.0.0.mca'), `busy ${i}`);
      await sleep(1_000);
    }
    const starts = renderStartTimes(app);
    // Start render, then one at max wait while the world was still busy (never quiet for 2 s).
    expect(starts.length).toBeGreaterThanOrEqual(2);
    const atMaxWait = starts[1] as number;
    expect(atMaxWait).toBeLessThan(lastChangeAt);
    expect(atMaxWait - firstChangeAt).toBeGreaterThanOrEqual(4_000 - 50);
    expect(atMaxWait - firstChangeAt).toBeLessThanOrEqual(4_000 + 1_000);
  });

  it('changes during a render cause exactly one follow-up render', async () => {
    const setup = await mapSetup();
    const app = await startWatcher(setup, { MAP_DEBOUNCE: '500ms' });
    await waitForRuns(setup, 1);
    await setup.fake.setControl({ renderDelayMs: 4_000 });
    await writeFile(join(setup.world, 'region', 'r.0.0.mca'), 'start a slow render');
    await waitFor(async () => (await setup.fake.starts()).length === 2, { what: 'the slow render to start' });
    for (let i = 0; i < 10; i++) {
      await writeFile(join(setup.world, 'region', 'r.1.0.mca'), `during the render ${i}`);
      await writeFile(join(setup.world, 'playerdata', 'steve.dat'), `moved ${i}`);
      await sleep(100);
    }
    expect((await setup.fake.runs()).filter((r) => r.event === 'end')).toHaveLength(1);
    const during = await healthz(app);
    expect(during).toMatchObject({ rendering: true });
    expect(during.pendingChanges).toBeGreaterThanOrEqual(10);
    expect(await app.metrics()).toMatch(/map_pending_changes\{app="map-watcher"\} [1-9]\d*/);
    await waitForRuns(setup, 3, 20_000);
    await sleep(2_500); // a fourth render would start within the debounce
    expect(await setup.fake.starts()).toHaveLength(3);
    expect(renderStartTimes(app)).toHaveLength(3);
  });
});
