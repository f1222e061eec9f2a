import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RconClient } from '@homelab/rcon';
import { borgLocks, makeTempDir, sleep, startApp, useCleanup, verifyWorld, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import {
  archiveNames,
  finishedRun,
  pausedCopyStarted,
  readState,
  runBackupCli,
  saveEvents,
  savingIsOn,
  slowPausedCopy,
  startBackup,
  startBackupStack,
  verifyArchive,
  worldFiles,
} from './backup-helpers.js';

useCleanup();

describe('mc-backup against the fake server through the real bridge and real borg', () => {
  it('a full run: paused only for the staging copy, the archive restores to whole files', async () => {
    const stack = await startBackupStack();
    const before = stack.mc.proc.stdout.length;
    const { code, proc } = await runBackupCli(stack, ['now']);
    expect(code, proc.output.slice(-3000)).toBe(0);
    const run = finishedRun(proc);
    expect(run).toMatchObject({ status: 'success', paused: true, archive: expect.stringMatching(/^world-/) });
    expect(run?.freezeMs).toBeLessThan(Number(run?.durationMs));

    // the server saw save-off, the flush, and save-on, in that order; borg ran after save-on
    expect(saveEvents(stack.mc, before)).toEqual(['off', 'flush-start', 'flushed', 'on']);
    const steps = ((run?.steps ?? []) as { step: string }[]).map((s) => s.step);
    expect(steps.slice(0, 3)).toEqual(['connect', 'precopy', 'save-off']);
    expect(steps.indexOf('create')).toBeGreaterThan(steps.indexOf('save-on'));
    expect(savingIsOn(stack.mc)).toBe(true);
    // announced in game at the start and the end (say, the default)
    const said = stack.mc.proc.stdout.slice(before).filter((l) => l.includes('[Rcon] [backup]'));
    expect(said.map((l) => l.replace(/^.*\[Rcon\] /, ''))).toEqual(['[backup] starting a backup of the world', '[backup] backup finished']);

    // restore with the CLI: every region and map file verifies (no torn file)
    const target = join(await makeTempDir('backup-restore-'), 'world');
    const restore = await runBackupCli(stack, ['restore', String(run?.archive), target]);
    expect(restore.code, restore.proc.output).toBe(0);
    const check = verifyWorld(target);
    expect(check).toMatchObject({ ok: true, bad: [], files: worldFiles(4) });
    expect(existsSync(join(target, 'session.lock'))).toBe(false);
  });

  it('SIGTERM during borg create: borg releases its lock, saving is on, the run is recorded aborted, exit within 10 s', async () => {
    const stack = await startBackupStack();
    // a big file keeps borg busy long enough to be interrupted mid-create
    writeFileSync(join(stack.mc.world, 'big.bin'), randomBytes(160 * 1024 * 1024));
    const proc = startBackup(stack, ['now']);
    await waitFor(() => existsSync(join(stack.repo.repo, 'lock.exclusive')) && proc.stdout.some((l) => l.includes('"borg":"create"')), {
      timeoutMs: 30_000,
      intervalMs: 10,
      what: 'borg create to hold the repository lock',
    });
    await sleep(300);
    const t0 = Date.now();
    proc.signal('SIGTERM');
    const exit = await proc.waitExit(15_000);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(exit.code).toBe(1);
    expect(finishedRun(proc)).toMatchObject({ status: 'aborted', failedStep: 'create' });
    expect(readState(stack)).toMatchObject({ paused: null, lastRun: { status: 'aborted' } });
    // borg is gone and no live process holds a lock (a lock left by a signal in borg's start-up
    // names our host id and the dead PID: the next borg removes it)
    expect(borgLocks(stack.repo).filter((l) => l.alive || l.host !== 'mc-backup')).toEqual([]);
    expect(savingIsOn(stack.mc)).toBe(true);
    expect(archiveNames(stack).filter((n) => !n.endsWith('.checkpoint'))).toEqual([]);
  });

  it('SIGTERM while saving is paused: save-on is sent before the process exits', async () => {
    const stack = await startBackupStack();
    const before = stack.mc.proc.stdout.length;
    // a staging copy that takes a while: the signal lands while saving is off
    const proc = startBackup(stack, ['now'], slowPausedCopy(stack, 30));
    await pausedCopyStarted(proc);
    proc.signal('SIGTERM');
    const exit = await proc.waitExit(15_000);
    expect(exit.code).toBe(1);
    const run = finishedRun(proc);
    expect(run).toMatchObject({ status: 'aborted', failedStep: 'stage', paused: true });
    expect(saveEvents(stack.mc, before)).toEqual(['off', 'flush-start', 'flushed', 'on']);
    expect(readState(stack)).toMatchObject({ paused: null });
    expect(archiveNames(stack)).toEqual([]);

    // and the next run is not in anybody's way
    const next = await runBackupCli(stack, ['now']);
    expect(next.code, next.proc.output.slice(-2000)).toBe(0);
    const archive = String(finishedRun(next.proc)?.archive);
    expect(await verifyArchive(stack, archive)).toMatchObject({ ok: true, files: worldFiles(4) });
  });

  it('the daemon sends the save-on a killed run owed within 5 s of its start, then reports ready', async () => {
    const stack = await startBackupStack();
    // what a run killed while paused leaves behind: saving off, the paused flag persisted
    const client = new RconClient({ target: { path: stack.backupSocket }, password: '', reconnect: false });
    await client.connect();
    expect(await client.command('save-off')).toBe('Automatic saving is now disabled');
    await client.close();
    mkdirSync(dirname(stack.stateFile), { recursive: true });
    const paused = { since: Date.now() - 60_000, pid: 999_999, run: 'killed-run' };
    writeFileSync(
      stack.stateFile,
      JSON.stringify({ version: 1, createdAt: Date.now(), paused, lastRun: null, lastSuccess: null, lastCheck: null }),
    );
    expect(savingIsOn(stack.mc)).toBe(false);

    const t0 = Date.now();
    const daemon = await startApp('mc-backup', ['run'], { env: { ...stack.env, BACKUP_SCHEDULE: '0 4 1 1 *' }, waitReady: 'healthz' });
    await waitFor(() => savingIsOn(stack.mc), { timeoutMs: 5_000, intervalMs: 10, what: 'save-on from the restarted daemon' });
    expect(Date.now() - t0).toBeLessThan(5_000);
    await waitFor(async () => (await daemon.readyz()).status === 200, { what: 'readiness once saving is back on' });
    expect(readState(stack)).toMatchObject({ paused: null });
    expect(await daemon.metrics()).toMatch(/mc_backup_saving_paused\{app="mc-backup"\} 0/);
  });
});
