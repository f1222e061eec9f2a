import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecError } from '@homelab/core';
import { type BorgRepo, borgLocks, makeBorgRepo, makeTempDir, runBorg, startProcess, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BorgLockError } from '../src/borg.js';
import { planRetention } from '../src/retention.js';
import { testBorg, writeTree } from './helpers.js';

useCleanup();

describe('borg wrapper against real borg', () => {
  it('creates (zstd, exclusions), lists and extracts an archive of an encrypted repository', async () => {
    const repo = await makeBorgRepo({ passphrase: 'correct horse battery staple' });
    const src = await makeTempDir('mc-backup-src-');
    writeTree(src, { 'region/r.0.0.mca': 'region data', 'level.dat': 'level', 'session.lock': 'lock', 'data/map_1.dat.tmp': 'temp' });
    const borg = testBorg(repo, { passphrase: 'correct horse battery staple' });
    const stats = await borg.create('world-2026-01-01T04:00:00.000Z', src);
    expect(stats).toMatchObject({ name: 'world-2026-01-01T04:00:00.000Z', files: 2 });
    expect(stats.originalBytes).toBeGreaterThan(0);
    const archives = await borg.list();
    expect(archives.map((a) => a.name)).toEqual(['world-2026-01-01T04:00:00.000Z']);
    expect(Math.abs((archives[0]?.time ?? 0) - Date.now())).toBeLessThan(120_000);
    const out = await makeTempDir('mc-backup-out-');
    await borg.extract('world-2026-01-01T04:00:00.000Z', out);
    expect(readFileSync(join(out, 'region/r.0.0.mca'), 'utf8')).toBe('region data');
    expect(existsSync(join(out, 'session.lock'))).toBe(false);
    expect(existsSync(join(out, 'data/map_1.dat.tmp'))).toBe(false);
  });

  it('a wrong passphrase fails with borg stderr in the error', async () => {
    const repo = await makeBorgRepo({ passphrase: 'right' });
    const borg = testBorg(repo, { passphrase: 'wrong' });
    await expect(borg.list()).rejects.toThrow(/passphrase/i);
  });

  it('an unreachable repository fails create with a clear error', async () => {
    const repo = await makeBorgRepo();
    const src = await makeTempDir('mc-backup-src-');
    writeTree(src, { 'level.dat': 'x' });
    const borg = testBorg({ repo: join(repo.dir, 'missing'), base: repo.base });
    await expect(borg.create('world-x', src)).rejects.toThrow(/does not exist|not a valid repository/i);
  });

  it('prune keeps what the retention policy says (archives with fake timestamps), then compact and check pass', async () => {
    const repo = await makeBorgRepo();
    const src = await makeTempDir('mc-backup-src-');
    writeTree(src, { 'level.dat': 'x' });
    const days = [
      '2026-01-10',
      '2026-01-31',
      '2026-02-14',
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
      '2026-03-08',
      '2026-03-09',
    ];
    for (const day of days) runBorg(repo, ['create', '--timestamp', `${day}T04:00:00`, `::world-${day}`, '.'], src);
    runBorg(repo, ['create', '::other-archive', '.'], src);
    const keep = { daily: 2, weekly: 2, monthly: 2 };
    const expected = planRetention(
      days.map((d) => ({ name: `world-${d}`, time: Date.parse(`${d}T04:00:00Z`) })),
      keep,
    );
    const borg = testBorg(repo);
    const { pruned } = await borg.prune(keep);
    expect(pruned.sort()).toEqual(expected.prune.map((a) => a.name).sort());
    const left = (await borg.list()).map((a) => a.name).sort();
    // archives without our prefix are never pruned
    expect(left).toEqual([...expected.keep.map((k) => k.archive.name), 'other-archive'].sort());
    // daily: Mar 9, 8; weekly: Sun Mar 1 (week 9), Sat Feb 14 (week 7); monthly: Feb 28, Jan 31
    expect(left).toEqual([
      'other-archive',
      'world-2026-01-31',
      'world-2026-02-14',
      'world-2026-02-28',
      'world-2026-03-01',
      'world-2026-03-08',
      'world-2026-03-09',
    ]);
    await borg.compact();
    await borg.check();
  });

  it('SIGTERM (abort) interrupts create cleanly: borg releases its lock and leaves no archive', async () => {
    const repo = await makeBorgRepo();
    const src = await makeTempDir('mc-backup-src-');
    mkdirSync(join(src, 'region'));
    for (let i = 0; i < 8; i++) writeFileSync(join(src, 'region', `r.${i}.0.mca`), randomBytes(24 * 1024 * 1024));
    const borg = testBorg(repo);
    const controller = new AbortController();
    const pending = borg.create('world-big', src, controller.signal);
    await waitFor(() => existsSync(join(repo.repo, 'lock.exclusive')), {
      timeoutMs: 20_000,
      intervalMs: 10,
      what: 'borg to take its lock',
    });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    controller.abort(new Error('SIGTERM'));
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecError);
    expect((error as ExecError).aborted).toBe(true);
    expect(Date.now() - t0).toBeLessThan(9_000);
    // no live holder; a lock left when the signal hit borg's start-up names our host and a dead PID
    expect(borgLocks(repo).filter((l) => l.alive || l.host !== 'mc-backup-test')).toEqual([]);
    expect((await testBorg(repo).list()).map((a) => a.name)).toEqual([]);
  });
});

describe('borg lock handling', () => {
  const src = async () => {
    const dir = await makeTempDir('mc-backup-src-');
    writeTree(dir, { 'level.dat': 'x' });
    return dir;
  };

  /** `borg with-lock REPO sleep 60` under the given host id: holds the repository lock while alive. */
  async function holdLock(repo: BorgRepo, hostId: string) {
    const pidFile = join(repo.dir, 'sleep.pid');
    const proc = startProcess('borg', ['with-lock', repo.repo, 'sh', '-c', `echo $$ > ${pidFile}; exec sleep 60`], {
      env: { ...repo.env, BORG_HOST_ID: hostId },
      label: 'borg with-lock',
    });
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', {
      timeoutMs: 20_000,
      what: 'the lock to be taken',
    });
    // the sleeping child would outlive a killed borg: stop it when the test ends
    onTestFinished(() => {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        // already gone
      }
    });
    return proc;
  }

  it('a lock held by another host is reported and not broken', async () => {
    const repo = await makeBorgRepo();
    const holder = await holdLock(repo, 'other-host@1234');
    const broken: unknown[] = [];
    const borg = testBorg(repo, {}, { onLockBroken: (h: unknown) => broken.push(h) });
    const error = await borg.create('world-a', await src()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BorgLockError);
    expect((error as Error).message).toMatch(/held by another host: other-host@1234 pid \d+; not breaking it/);
    expect(broken).toEqual([]);
    expect(readdirSync(join(repo.repo, 'lock.exclusive'))[0]).toMatch(/^other-host@1234\./);
    await holder.stop();
  });

  it('a lock held by a running borg of our own host is reported, not broken', async () => {
    const repo = await makeBorgRepo();
    const holder = await holdLock(repo, 'mc-backup-test');
    const error = await testBorg(repo)
      .create('world-a', await src())
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/held by a running borg process of this host/);
    await holder.stop();
  });

  it('our own lock whose PID is now some other program (new container) is broken and the run retried once', async () => {
    const repo = await makeBorgRepo();
    // what a re-created container sees: the old lock names a PID that now belongs to something else
    const impostor = startProcess('sleep', ['60'], { label: 'sleep' });
    mkdirSync(join(repo.repo, 'lock.exclusive'));
    writeFileSync(join(repo.repo, 'lock.exclusive', `mc-backup-test.${impostor.pid}-0`), '');
    writeFileSync(join(repo.repo, 'lock.roster'), JSON.stringify({ exclusive: [['mc-backup-test', impostor.pid, 0]] }));
    const broken: unknown[] = [];
    const borg = testBorg(repo, {}, { onLockBroken: (h: unknown) => broken.push(h) });
    const stats = await borg.create('world-a', await src());
    expect(stats.name).toBe('world-a');
    expect(broken).toEqual([[{ host: 'mc-backup-test', pid: impostor.pid, thread: 0 }]]);
  });

  it('our own lock left by a SIGKILLed borg (dead PID) does not get in the way', async () => {
    const repo = await makeBorgRepo();
    const holder = await holdLock(repo, 'mc-backup-test');
    holder.signal('SIGKILL');
    await holder.exited;
    expect(readdirSync(join(repo.repo, 'lock.exclusive')).length).toBe(1);
    const stats = await testBorg(repo).create('world-a', await src());
    expect(stats.name).toBe('world-a');
  });
});
