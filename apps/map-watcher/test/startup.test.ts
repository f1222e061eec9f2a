import { execFileSync } from 'node:child_process';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appBundle, readPublishedIndex, startProcess, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { type MapSetup, mapSetup, renderStartTimes, sleep, startWatcher, waitForRuns } from './helpers.js';

useCleanup();

async function startExpectingExit(setup: MapSetup, extra: Record<string, string>) {
  const proc = startProcess(process.execPath, [appBundle('map-watcher'), 'run'], {
    env: { ...setup.env(extra), HEALTH_LISTEN: join(setup.dir, 'h.sock') },
  });
  const exit = await proc.waitExit(15_000);
  return { code: exit.code, stderr: proc.stderr.join('\n') };
}

describe('start', () => {
  it('a missing world folder is a clear error at start, exit 2', async () => {
    const setup = await mapSetup();
    const { code, stderr } = await startExpectingExit(setup, { MAP_WORLD: join(setup.dir, 'no-such-world') });
    expect(code).toBe(2);
    expect(stderr).toMatch(/MAP_WORLD: cannot read the world folder .*no-such-world/);
  });

  it('an output folder that cannot be written is a clear error at start, exit 2', async () => {
    const setup = await mapSetup();
    const locked = join(setup.dir, 'locked');
    await mkdir(locked);
    // root ignores permission bits; an immutable folder stops root too. Where the file system
    // has no immutable flag (tmpfs), /sys stands in: root cannot create folders there either.
    const root = process.getuid?.() === 0;
    let target = join(locked, 'map');
    let undo: () => void = () => execFileSync('chmod', ['0755', locked]);
    try {
      execFileSync(root ? 'chattr' : 'chmod', root ? ['+i', locked] : ['0555', locked], { stdio: 'ignore' });
      if (root) undo = () => execFileSync('chattr', ['-i', locked]);
    } catch {
      target = '/sys/map-watcher-test/map';
      undo = () => {};
    }
    try {
      const { code, stderr } = await startExpectingExit(setup, { MAP_OUTPUT: target });
      expect(code).toBe(2);
      expect(stderr).toMatch(/MAP_OUTPUT: cannot be written: .*(EPERM|EACCES|EROFS|ENOENT)/);
    } finally {
      undo();
    }
    const file = join(setup.dir, 'a-file');
    await writeFile(file, '');
    const below = await startExpectingExit(setup, { MAP_OUTPUT: join(file, 'map') });
    expect(below.code).toBe(2);
    expect(below.stderr).toMatch(/MAP_OUTPUT: cannot be written: .*ENOTDIR/);
  });

  it('a renderer that does not exist is a clear error at start, exit 2', async () => {
    const setup = await mapSetup();
    const byPath = await startExpectingExit(setup, { MAP_RENDERER: join(setup.dir, 'no-such-renderer') });
    expect(byPath.code).toBe(2);
    expect(byPath.stderr).toMatch(/MAP_RENDERER: renderer ".*no-such-renderer" is not an executable file/);
    const byName = await startExpectingExit(setup, { MAP_RENDERER: 'no-such-little-a-map' });
    expect(byName.code).toBe(2);
    expect(byName.stderr).toMatch(/MAP_RENDERER: renderer "no-such-little-a-map" was not found on PATH/);
  });

  it('renders at start only when the published map is missing or older than the world', async () => {
    const setup = await mapSetup();
    const first = await startWatcher(setup);
    await first.proc.waitForLine(/map published/, 15_000);
    await first.proc.stop();

    const second = await startWatcher(setup);
    await second.proc.waitForLine(/published map is up to date/);
    await sleep(1_500);
    expect(renderStartTimes(second)).toEqual([]);
    await second.proc.stop();

    // The world moved on while map-watcher was down.
    const future = new Date(Date.now() + 60_000);
    await utimes(join(setup.world, 'playerdata', 'steve.dat'), future, future);
    const third = await startWatcher(setup);
    await third.proc.waitForLine(/map missing or older than the world/);
    await waitForRuns(setup, 2);
  });
});

describe('watching', () => {
  it('ignores session.lock, temp and unread files, and picks up a dimension folder created later', async () => {
    const setup = await mapSetup();
    const app = await startWatcher(setup, { MAP_DEBOUNCE: '500ms' });
    await waitForRuns(setup, 1);
    await writeFile(join(setup.world, 'session.lock'), 'locked');
    await writeFile(join(setup.world, 'region', 'r.0.0.mca.tmp'), 'partial');
    await writeFile(join(setup.world, 'playerdata', 'steve.dat_old'), 'old');
    await writeFile(join(setup.world, 'level.dat'), 'level 2');
    await mkdir(join(setup.world, 'stats'));
    await writeFile(join(setup.world, 'stats', 'steve.json'), '{}');
    await sleep(2_000);
    expect(renderStartTimes(app)).toHaveLength(1);

    await mkdir(join(setup.world, 'DIM7'));
    await sleep(300);
    await mkdir(join(setup.world, 'DIM7', 'region'));
    await sleep(300);
    await writeFile(join(setup.world, 'DIM7', 'region', 'r.0.0.mca'), 'a new dimension');
    await waitFor(async () => (await readPublishedIndex(setup.output)).dimensions.includes('DIM7'), {
      timeoutMs: 15_000,
      what: 'the new dimension on the map',
    });
    await writeFile(join(setup.world, 'DIM7', 'region', 'r.0.0.mca'), 'changed in the new dimension');
    await waitForRuns(setup, 3);
  });
});

describe('--help', () => {
  it('matches the README', async () => {
    const help = execFileSync(process.execPath, [appBundle('map-watcher'), '--help'], { encoding: 'utf8' });
    const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const block = /<!-- help -->\n```text\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(help);
  });
});
