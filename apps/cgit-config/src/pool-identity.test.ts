import { describe, expect, it } from 'vitest';
import { type PoolIdentity, watchAction } from './pool-identity.js';

const dir = (ino: number, dev = 1): PoolIdentity => ({ kind: 'dir', dev, ino });
const absent: PoolIdentity = { kind: 'absent', why: 'missing' };

describe('watchAction', () => {
  it.each([
    ['no watch, no folder', undefined, absent, false, 'keep'],
    ['no watch, a folder', undefined, dir(5), false, 'arm'],
    ['same folder', { dev: 1, ino: 5 }, dir(5), false, 'keep'],
    ['same folder, the watcher reported it broken', { dev: 1, ino: 5 }, dir(5), true, 'arm'],
    ['rm -rf + mkdir (new inode)', { dev: 1, ino: 5 }, dir(6), false, 'arm'],
    ['another file system mounted there', { dev: 1, ino: 5 }, dir(5, 2), false, 'arm'],
    ['folder gone', { dev: 1, ino: 5 }, absent, false, 'disarm'],
  ] as const)('%s -> %s', (_what, armed, now, broken, action) => {
    expect(watchAction(armed, now, broken)).toBe(action);
  });
});
