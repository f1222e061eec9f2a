import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockHeldError, ManualClock, silentLogger } from '@homelab/core';
import { recordingRunner } from '@homelab/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixture.js';
import { createAgent } from './app.js';
import { parseConfig } from './config.js';
import { Zfs } from './zfs.js';

const log = silentLogger();
const config = parseConfig('datasets:\n  tank/data: { hourly: 2 }\n');

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('agent', () => {
  it('a cycle waits for nobody: a live holder of the lock makes it fail before any zfs call but detection', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zfs-agent-lock-'));
    dirs.push(dir);
    const lockPath = join(dir, 'agent.lock');
    writeFileSync(lockPath, `${process.ppid}\n`);
    const { runner, calls } = recordingRunner([{ match: (a) => a[0] === 'version', result: { exitCode: 2 } }]);
    const agent = createAgent({ config, zfs: new Zfs({ runner, log }), clock: new ManualClock(Date.UTC(2026, 0, 1)), log, lockPath });
    await expect(agent.once()).rejects.toBeInstanceOf(LockHeldError);
    expect(calls.map((c) => c.args[0])).toEqual(['version']);
  });

  it('plan lists once and changes nothing; once takes and releases the lock', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zfs-agent-lock-'));
    dirs.push(dir);
    const lockPath = join(dir, 'agent.lock');
    const { runner, calls } = recordingRunner([
      { match: (a) => a[0] === 'version', result: { exitCode: 2 } },
      { match: (a) => a[0] === 'get', result: { stdout: fixture('zfs-fuse-get.txt') } },
    ]);
    const agent = createAgent({ config, zfs: new Zfs({ runner, log }), clock: new ManualClock(Date.UTC(2026, 0, 1)), log, lockPath });
    const plan = await agent.plan();
    expect(plan.creates).toHaveLength(1);
    expect(calls.map((c) => c.args[0])).toEqual(['version', 'get']);
    await agent.once();
    await agent.once();
    expect(agent.ready().ok).toBe(true);
  });
});
