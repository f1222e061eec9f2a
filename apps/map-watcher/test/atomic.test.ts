import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkPublishedMap, readPublishedIndex, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { mapSetup, regionName, startWatcher } from './helpers.js';

useCleanup();

describe('atomic publishing', () => {
  // 50 renders, each a real process: a generous time limit for a loaded machine (nothing is timed).
  it('a reader polling the map during 50 renders never sees a missing file or a mix of releases', async () => {
    const setup = await mapSetup({ regions: 20, control: { writeDelayMs: 1 } });
    await startWatcher(setup, { MAP_DEBOUNCE: '100ms', MAP_RELEASE_GRACE: '5s' });
    await waitFor(async () => (await checkPublishedMap(setup.output)).ok, { what: 'the start render' });

    const problems: string[] = [];
    const seenRenders = new Set<number>();
    let reads = 0;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const check = await checkPublishedMap(setup.output);
        if (check.ok) seenRenders.add(check.renderId);
        else problems.push(check.problem);
        // Straight through the symlink too, as a web server does per request.
        await readFile(join(setup.output, 'index.html')).catch((error: Error) => problems.push(`index.html: ${error.message}`));
        reads++;
      }
    })();

    const startId = (await readPublishedIndex(setup.output)).renderId;
    for (let i = 1; i <= 50; i++) {
      await writeFile(join(setup.world, 'region', regionName(i % 20)), `render ${i}`);
      await waitFor(async () => (await readPublishedIndex(setup.output).catch(() => ({ renderId: 0 }))).renderId >= startId + i, {
        timeoutMs: 15_000,
        what: `render ${i} to be published`,
      });
    }
    reading = false;
    await reader;

    expect(problems).toEqual([]);
    expect(reads).toBeGreaterThan(50);
    expect(seenRenders.size).toBeGreaterThan(10);

    // Unchanged tiles are hard links shared with the previous release, not copies.
    const current = await checkPublishedMap(setup.output);
    expect(current.ok).toBe(true);
    const untouched = await stat(join(setup.output, 'tiles/0/4/3.webp'));
    expect(untouched.nlink).toBeGreaterThan(1);

    // Replaced releases go once their grace period is over.
    const releases = join(setup.dir, 'www', '.map-releases');
    await waitFor(async () => (await readdir(releases)).filter((n) => n.startsWith('r-')).length === 1, {
      timeoutMs: 20_000,
      what: 'old releases to be removed',
    });
  }, 180_000);
});
