import { mkdir, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ManualClock, silentLogger } from '@homelab/core';
import { makeTempDir, useCleanup } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { readCurrentRelease, readPublishState, releaseLayout } from './publish.js';
import { Publisher } from './publisher.js';
import { releasesToRemove } from './releases.js';

useCleanup();

async function setup() {
  const dir = await makeTempDir('releases-publish-');
  const staging = join(dir, 'staging');
  await mkdir(join(staging, 'tiles/0/0'), { recursive: true });
  await mkdir(join(staging, '.cache'), { recursive: true });
  await writeFile(join(staging, 'index.html'), 'v1');
  await writeFile(join(staging, 'tiles/0/0/0.webp'), 'tile a');
  await writeFile(join(staging, 'tiles/0/0/1.webp'), 'tile b');
  await writeFile(join(staging, '.cache/state.json'), '{}');
  const layout = releaseLayout(join(dir, 'www', 'map'));
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const publisher = new Publisher({ layout, staging, graceMs: 60_000, clock, log: silentLogger() });
  await publisher.init();
  return { dir, staging, layout, clock, publisher };
}

describe('publishRelease / Publisher', () => {
  it('publishes a release behind a symlink, without the renderer cache', async () => {
    const { layout, publisher } = await setup();
    const result = await publisher.publish(1000);
    expect(result).toMatchObject({ files: 3, copied: 3, linked: 0 });
    expect(await readlink(layout.output)).toBe(`.map-releases/${result.id}`);
    expect(await readFile(join(layout.output, 'index.html'), 'utf8')).toBe('v1');
    expect(await readdir(layout.output)).not.toContain('.cache');
    expect(await readCurrentRelease(layout)).toBe(result.id);
    expect((await readPublishState(layout))?.sourceTime).toBe(1000);
  });

  it('hard-links unchanged files from the previous release and copies changed ones', async () => {
    const { staging, layout, clock, publisher } = await setup();
    const first = await publisher.publish(1000);
    await writeFile(join(staging, 'index.html'), 'v2');
    clock.advance(1000);
    const second = await publisher.publish(2000);
    expect(second).toMatchObject({ files: 3, linked: 2, copied: 1 });
    const one = join(layout.releasesDir, first.id);
    const two = join(layout.releasesDir, second.id);
    expect((await stat(join(two, 'tiles/0/0/0.webp'))).ino).toBe((await stat(join(one, 'tiles/0/0/0.webp'))).ino);
    expect((await stat(join(two, 'index.html'))).ino).not.toBe((await stat(join(one, 'index.html'))).ino);
    // Releases never share an inode with staging: the renderer rewrites staging files in place.
    expect((await stat(join(two, 'tiles/0/0/1.webp'))).ino).not.toBe((await stat(join(staging, 'tiles/0/0/1.webp'))).ino);
    expect(await readFile(join(one, 'index.html'), 'utf8')).toBe('v1');
    expect(await readFile(join(layout.output, 'index.html'), 'utf8')).toBe('v2');
  });

  it('removes replaced releases only after the grace period, never the current one', async () => {
    const { layout, clock, publisher } = await setup();
    const first = await publisher.publish(1000);
    clock.advance(1000);
    const second = await publisher.publish(2000);
    clock.advance(59_000);
    expect(await publisher.cleanup()).toEqual([]);
    clock.advance(1_000);
    expect(await publisher.cleanup()).toEqual([first.id]);
    expect((await readdir(layout.releasesDir)).filter((n) => n.startsWith('r-'))).toEqual([second.id]);
  });

  it('refuses to publish an empty render and leaves the published map alone', async () => {
    const { staging, layout, publisher } = await setup();
    const first = await publisher.publish(1000);
    for (const entry of ['index.html', 'tiles']) await rm(join(staging, entry), { recursive: true });
    await expect(publisher.publish(2000)).rejects.toThrow(/wrote no files/);
    expect(await readCurrentRelease(layout)).toBe(first.id);
    expect((await readdir(layout.releasesDir)).filter((n) => n.startsWith('.building-'))).toEqual([]);
  });

  it('after a restart, forgets a state file that does not match the published release', async () => {
    const { staging, layout, clock, publisher } = await setup();
    await publisher.publish(1000);
    await writeFile(
      join(layout.releasesDir, 'publish-state.json'),
      JSON.stringify({ current: 'r-other', sourceTime: 1, publishedAt: 1, files: {} }),
    );
    const again = new Publisher({ layout, staging, graceMs: 1, clock, log: silentLogger() });
    await again.init();
    expect(again.current).toBeUndefined();
    expect((await again.publish(3000)).copied).toBe(3);
  });
});

describe('releasesToRemove', () => {
  const names = ['r-20260101T000000000Z-aaaa', 'r-20260101T000001000Z-bbbb', 'r-20260101T000002000Z-cccc', '.building-x', 'lost+found'];
  it.each([
    ['nothing retired yet', new Map<string, number>(), 100, []],
    ['retired but in grace', new Map([['r-20260101T000000000Z-aaaa', 90]]), 100, []],
    ['grace over', new Map([['r-20260101T000000000Z-aaaa', 50]]), 100, ['r-20260101T000000000Z-aaaa']],
    ['current is never removed', new Map([['r-20260101T000002000Z-cccc', 0]]), 100, []],
    [
      'only release folders',
      new Map([
        ['lost+found', 0],
        ['.building-x', 0],
      ]),
      100,
      [],
    ],
  ])('%s', (_name, retiredAt, now, expected) => {
    expect(releasesToRemove({ names, current: 'r-20260101T000002000Z-cccc', retiredAt, now, graceMs: 50 })).toEqual(expected);
  });
});
