import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, startProcess, useCleanup } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { childMarker, findOrphans, isRunning, stopProcesses } from '../src/orphans.js';
import { parseRsyncStats } from '../src/rsync.js';
import { testStager, writeTree } from './helpers.js';

useCleanup();

describe('rsync staging', () => {
  it('copies only what changed, deletes what was deleted, skips excluded files', async () => {
    const source = await makeTempDir('mc-backup-world-');
    const staging = join(await makeTempDir('mc-backup-staging-'), 'staging');
    writeTree(source, { 'region/r.0.0.mca': 'a', 'region/r.0.1.mca': 'b', 'session.lock': 'x', 'data/x.tmp': 't', 'level.dat': 'l' });
    const stager = testStager({
      source,
      staging,
      excludes: ['session.lock', '*.tmp'],
      markerPath: join(staging, '..', 'marker'),
    });
    const first = await stager.stage();
    expect(first.filesTransferred).toBe(3);
    expect(existsSync(join(staging, 'session.lock'))).toBe(false);
    expect(existsSync(join(staging, 'data/x.tmp'))).toBe(false);
    const unchangedInode = statSync(join(staging, 'region/r.0.1.mca')).ino;

    writeFileSync(join(source, 'region/r.0.0.mca'), 'changed!');
    rmSync(join(source, 'level.dat'));
    const second = await stager.stage();
    expect(second).toEqual({ filesTransferred: 1, bytesTransferred: 8 });
    expect(readFileSync(join(staging, 'region/r.0.0.mca'), 'utf8')).toBe('changed!');
    expect(existsSync(join(staging, 'level.dat'))).toBe(false);
    // unchanged files keep their inode, so borg's files cache skips them
    expect(statSync(join(staging, 'region/r.0.1.mca')).ino).toBe(unchangedInode);
  });

  it('the paused stage recopies what was written since the pre-copy began, even when size and mtime look equal', async () => {
    const source = await makeTempDir('mc-backup-world-');
    const dir = await makeTempDir('mc-backup-staging-');
    const staging = join(dir, 'staging');
    const markerPath = join(dir, 'staging-unsafe-since');
    writeTree(source, { 'region/r.0.0.mca': 'AAAAAAAA', 'region/r.0.1.mca': 'old stable' });
    // the stable file was last written long ago
    utimesSync(join(source, 'region/r.0.1.mca'), new Date('2026-01-01'), new Date('2026-01-01'));
    const stager = testStager({
      source,
      staging,
      markerPath,
    });
    await stager.precopy?.();
    expect(existsSync(markerPath)).toBe(true);
    const stableInode = statSync(join(staging, 'region/r.0.1.mca')).ino;
    // what a copy taken mid-write looks like: same size and mtime as the finished file, torn content
    writeFileSync(join(staging, 'region/r.0.0.mca'), 'AAAA\0\0\0\0');
    const { mtime } = statSync(join(source, 'region/r.0.0.mca'));
    utimesSync(join(staging, 'region/r.0.0.mca'), mtime, mtime);

    const paused = await stager.stage();
    expect(paused.filesTransferred).toBe(1);
    expect(readFileSync(join(staging, 'region/r.0.0.mca'), 'utf8')).toBe('AAAAAAAA');
    expect(statSync(join(staging, 'region/r.0.1.mca')).ino).toBe(stableInode);
    expect(existsSync(markerPath)).toBe(false);
  });

  it('the in-process catch-up makes the same tree rsync makes: new folders, deletions, exclusions; symlinks fall back to rsync', async () => {
    const source = await makeTempDir('mc-backup-world-');
    const dir = await makeTempDir('mc-backup-staging-');
    const staging = join(dir, 'staging');
    const stager = testStager({
      source,
      staging,
      excludes: ['session.lock', '*.tmp'],
      markerPath: join(dir, 'marker'),
    });
    writeTree(source, { 'region/r.0.0.mca': 'zero', 'region/gone.mca': 'bye', 'level.dat': 'level', 'data/old/x.dat': 'x' });
    await stager.precopy?.();
    // after the pre-copy: a new dimension, a deletion, a removed folder, excluded files
    writeTree(source, { 'DIM-1/region/r.0.0.mca': 'nether', 'session.lock': 'lock', 'data/map.tmp': 'tmp', 'region/r.0.0.mca': 'zero!' });
    rmSync(join(source, 'region/gone.mca'));
    rmSync(join(source, 'data/old'), { recursive: true });
    const stats = await stager.stage();
    expect(stats.filesTransferred).toBeGreaterThanOrEqual(2);
    const reference = join(dir, 'reference');
    spawnSync('rsync', ['-a', '--delete', '--exclude=session.lock', '--exclude=*.tmp', `${source}/`, `${reference}/`]);
    const tree = (root: string) =>
      spawnSync('find', ['.', '-printf', '%y %p %s\\n'], { cwd: root, encoding: 'utf8' }).stdout.split('\n').sort().join('\n');
    expect(tree(staging)).toBe(tree(reference));
    expect(readFileSync(join(staging, 'DIM-1/region/r.0.0.mca'), 'utf8')).toBe('nether');

    // a symlink is something the catch-up leaves to rsync
    await stager.precopy?.();
    symlinkSync('level.dat', join(source, 'link.dat'));
    await stager.stage();
    expect(lstatSync(join(staging, 'link.dat')).isSymbolicLink()).toBe(true);
  });

  it('fails with rsync stderr when the world is missing', async () => {
    const staging = await makeTempDir('mc-backup-staging-');
    const stager = testStager({
      source: join(staging, 'no-such-world'),
      staging: join(staging, 's'),
      markerPath: join(staging, 'marker'),
    });
    await expect(stager.stage()).rejects.toThrow(/rsync exited with code 23.*No such file/s);
  });

  it('parses --stats numbers with thousands separators', () => {
    expect(parseRsyncStats('Number of regular files transferred: 1,234\nTotal transferred file size: 10,485,760 bytes\n')).toEqual({
      filesTransferred: 1234,
      bytesTransferred: 10485760,
    });
  });
});

describe('orphaned children of a killed run', () => {
  it('are found by their marker when their mc-backup is dead, and stopped', async () => {
    const state = await makeTempDir('mc-backup-state-');
    const deadParent = startProcess('true', []);
    await deadParent.exited;
    const liveParent = startProcess('sleep', ['60']);
    const orphan = startProcess('sleep', ['60'], { env: childMarker(state, deadParent.pid) });
    const childOfLive = startProcess('sleep', ['60'], { env: childMarker(state, liveParent.pid) });
    const otherState = startProcess('sleep', ['60'], { env: childMarker('/some/other/state', deadParent.pid) });
    await new Promise((r) => setTimeout(r, 100));
    expect(await findOrphans(state)).toEqual([orphan.pid]);
    await stopProcesses([orphan.pid], 2_000, (ms) => new Promise((r) => setTimeout(r, ms)));
    await orphan.exited;
    expect(isRunning(orphan.pid)).toBe(false);
    expect(isRunning(childOfLive.pid)).toBe(true);
    expect(isRunning(otherState.pid)).toBe(true);
  });
});
