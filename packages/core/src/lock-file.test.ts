import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDirSync, useCleanup } from '@homelab/testkit-base';
import { describe, expect, it } from 'vitest';
import { LockHeldError } from './errors.js';

import { acquireLock, isProcessAlive } from './lock-file.js';

useCleanup('all');

const dir = () => makeTempDirSync('lock-');

describe('lock file', () => {
  it('takes, refuses a second holder, and releases', async () => {
    const path = join(dir(), 'run.lock');
    const lock = await acquireLock(path);
    expect(readFileSync(path, 'utf8').trim()).toBe(String(process.pid));
    await expect(acquireLock(path, { pid: process.pid + 1 })).rejects.toBeInstanceOf(LockHeldError);
    await lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('takes over a stale lock whose process is gone', async () => {
    const path = join(dir(), 'run.lock');
    writeFileSync(path, '999999999\n');
    expect(isProcessAlive(999_999_999)).toBe(false);
    const lock = await acquireLock(path);
    expect(readFileSync(path, 'utf8').trim()).toBe(String(process.pid));
    await lock.release();
  });

  it('takes over a half-written lock file', async () => {
    const path = join(dir(), 'run.lock');
    writeFileSync(path, '');
    const lock = await acquireLock(path);
    await lock.release();
  });

  it('names the live holder', async () => {
    const path = join(dir(), 'run.lock');
    writeFileSync(path, `${process.ppid}\n`);
    await expect(acquireLock(path)).rejects.toThrow(`held by live process ${process.ppid}`);
  });
});
