import { appendFile, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '../../../packages/testkit/src/index.js';
import { createFollower, type FollowerOptions } from './follower.js';

afterAll(removeTempDirs);

async function setup(extra: Partial<FollowerOptions> = {}) {
  const dir = await makeTempDir('edge-guard-follow-');
  const path = join(dir, 'access.log');
  const lines: string[] = [];
  const events: string[] = [];
  const follower = createFollower({ path, from: 'start', onLines: (l) => lines.push(...l), onEvent: (e) => events.push(e), ...extra });
  return { dir, path, lines, events, follower };
}

describe('follower', () => {
  it('waits for a missing file, then reads whole lines only, across torn writes', async () => {
    const { path, lines, follower } = await setup();
    await follower.poll();
    expect(lines).toEqual([]);
    await writeFile(path, 'one\ntw');
    await follower.poll();
    expect(lines).toEqual(['one']);
    expect(follower.position()?.pos).toBe(4);
    await appendFile(path, 'o\nthré\n');
    await follower.poll();
    expect(lines).toEqual(['one', 'two', 'thré']);
    await follower.close();
  });

  it('follows a rotation: the rest of the old file, then the new file from its start', async () => {
    const { path, lines, events, follower } = await setup();
    await writeFile(path, 'a\n');
    await follower.poll();
    await appendFile(path, 'b\n');
    await rename(path, `${path}.1`);
    await writeFile(path, 'c\n');
    await follower.poll();
    expect(lines).toEqual(['a', 'b', 'c']);
    expect(events).toContain('rotated');
    await follower.close();
  });

  it('starts over after a truncation (copytruncate)', async () => {
    const { path, lines, events, follower } = await setup();
    await writeFile(path, 'a long first line\nanother\n');
    await follower.poll();
    await truncate(path, 0);
    await appendFile(path, 'x\n');
    await follower.poll();
    expect(lines).toEqual(['a long first line', 'another', 'x']);
    expect(events).toContain('truncated');
    await follower.close();
  });

  it('resumes at a saved position on the same file, from the start on another one', async () => {
    const first = await setup();
    await writeFile(first.path, 'a\nb\n');
    await first.follower.poll();
    const saved = first.follower.position();
    await first.follower.close();
    await appendFile(first.path, 'c\n');
    const lines: string[] = [];
    const again = createFollower({ path: first.path, resume: saved, onLines: (l) => lines.push(...l) });
    await again.poll();
    expect(lines).toEqual(['c']);
    await again.close();
    const other = createFollower({ path: first.path, resume: { ino: (saved?.ino ?? 0) + 1, pos: 2 }, onLines: (l) => lines.push(...l) });
    await other.poll();
    expect(lines).toEqual(['c', 'a', 'b', 'c']);
    await other.close();
  });

  it('starts at the end of an old log when told to', async () => {
    const { path, lines, follower } = await setup({ from: 'end' });
    await writeFile(path, 'old\n');
    await follower.poll();
    await appendFile(path, 'new\n');
    await follower.poll();
    expect(lines).toEqual(['new']);
    await follower.close();
  });

  it('drops an overlong line and keeps going', async () => {
    const { path, lines, events, follower } = await setup({ maxLineBytes: 100, chunkBytes: 64 });
    await writeFile(path, `ok\n${'x'.repeat(500)}\nafter\n`);
    await follower.poll();
    expect(lines).toEqual(['ok', 'after']);
    expect(events).toContain('overlong');
    await follower.close();
  });
});
