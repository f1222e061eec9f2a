import { join } from 'node:path';
import { startApp, useCleanup, waitFor, webhook } from '@homelab/testkit';
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
  slowProgram,
  startBackup,
  startBackupStack,
  startBridge,
  verifyArchive,
  worldFiles,
} from './backup-helpers.js';

useCleanup();

const started = (proc: { stdout: string[] }, what: string) =>
  proc.stdout.some((l) => l.includes(`"borg":"${what}"`) && l.includes('process start'));

describe('mc-backup failure paths (fake server, real bridge, real borg)', () => {
  it('borg create fails (repository unreachable): save-on sent, prune not run, failure recorded and notified', async () => {
    const stack = await startBackupStack();
    const hook = await webhook();
    try {
      const before = stack.mc.proc.stdout.length;
      const { code, proc } = await runBackupCli(stack, ['now'], {
        BORG_REPO: join(stack.dir, 'unreachable-repo'),
        BACKUP_NOTIFY_URL: hook.url,
        BACKUP_NOTIFY_ON: 'failure',
      });
      expect(code, proc.output.slice(-2000)).toBe(1);
      expect(saveEvents(stack.mc, before)).toEqual(['off', 'flush-start', 'flushed', 'on']);
      expect(started(proc, 'create')).toBe(true);
      expect(started(proc, 'prune')).toBe(false);
      expect(readState(stack)).toMatchObject({
        paused: null,
        lastRun: { status: 'failure', failedStep: 'create', error: expect.stringMatching(/unreachable-repo/) },
        lastSuccess: null,
      });
      await waitFor(() => hook.bodies.length > 0, { what: 'the failure notification' });
      expect(hook.bodies[0]).toMatchObject({ source: 'mc-backup', status: 'failure', failedStep: 'create', paused: true });
    } finally {
      await hook.close();
    }
  });

  it('save-all flush times out: save-on sent, no archive made, a clear error', async () => {
    // slow chunk writes: the flush takes longer than the 100 ms the backup allows it
    const stack = await startBackupStack({ mcArgs: ['--write-gap-ms', '300'], env: { BACKUP_FLUSH_TIMEOUT: '100ms' } });
    const before = stack.mc.proc.stdout.length;
    const { code, proc } = await runBackupCli(stack, ['now']);
    expect(code, proc.output.slice(-2000)).toBe(1);
    const run = finishedRun(proc);
    expect(run).toMatchObject({
      status: 'failure',
      failedStep: 'save-all flush',
      error: expect.stringMatching(/save-all flush.*no reply within 100 ms/),
    });
    // only the pre-copy (saving still on) ran rsync; nothing was staged while paused
    expect(proc.stdout.filter((l) => l.includes('"command":"rsync"') && l.includes('process start'))).toHaveLength(1);
    expect(((run?.steps ?? []) as { step: string }[]).map((s) => s.step)).not.toContain('stage');
    expect(started(proc, 'create')).toBe(false);
    expect(archiveNames(stack)).toEqual([]);
    // save-on went out (queued behind the flush by the bridge) before the process ended
    await waitFor(() => saveEvents(stack.mc, before).includes('on'), { what: 'save-on in the server log' });
    expect(saveEvents(stack.mc, before).filter((e) => e !== 'flush-start' && e !== 'flushed')).toEqual(['off', 'on']);
    expect(readState(stack)).toMatchObject({ paused: null });
  });

  it('bridge unreachable, or up with the server down: the backup is taken unpaused and the run says so', async () => {
    const stack = await startBackupStack();
    await stack.mc.stop();
    // the bridge answers, but has no server behind it
    const behind = await runBackupCli(stack, ['now']);
    expect(behind.code, behind.proc.output.slice(-2000)).toBe(0);
    expect(finishedRun(behind.proc)).toMatchObject({
      status: 'success',
      paused: false,
      unpausedReason: expect.stringMatching(/not connected.*without pausing/),
    });

    await stack.bridge.proc.stop();
    const { code, proc } = await runBackupCli(stack, ['now']);
    expect(code, proc.output.slice(-2000)).toBe(0);
    const run = finishedRun(proc);
    expect(run).toMatchObject({ status: 'success', paused: false, unpausedReason: expect.stringMatching(/unreachable.*without pausing/) });
    expect(run?.freezeMs).toBeUndefined();
    expect(proc.logs().some((l) => l.level === 'warn' && l.msg === 'RCON endpoint unreachable: backing up without pausing')).toBe(true);
    expect(await verifyArchive(stack, String(run?.archive))).toMatchObject({ ok: true, files: worldFiles(4) });
    expect(readState(stack)).toMatchObject({ paused: null });
  });

  it('two `now` at once: the second is refused while the first runs, and touches nothing', async () => {
    const stack = await startBackupStack();
    const before = stack.mc.proc.stdout.length;
    // the first run's staging copy takes a few seconds
    const first = startBackup(stack, ['now'], { BACKUP_RSYNC_BIN: slowProgram(stack, 'rsync', 4) });
    await waitFor(() => first.stdout.some((l) => l.includes('"msg":"backup starting"')), {
      timeoutMs: 30_000,
      what: 'the first run to start',
    });
    const second = await runBackupCli(stack, ['now']);
    expect(second.code).toBe(1);
    expect(second.proc.stderr.join('\n')).toContain(`another backup is running (pid ${first.pid}); refusing to start a second one`);
    expect(first.exitInfo).toBeUndefined();
    const exit = await first.waitExit(60_000);
    expect(exit.code, first.output.slice(-2000)).toBe(0);
    // exactly one pause: the second run sent nothing
    expect(saveEvents(stack.mc, before)).toEqual(['off', 'flush-start', 'flushed', 'on']);
    expect(savingIsOn(stack.mc)).toBe(true);
    expect(archiveNames(stack)).toHaveLength(1);
  });

  it('the bridge goes away while saving is paused: the run fails, the daemon keeps retrying save-on until the bridge is back', async () => {
    const stack = await startBackupStack();
    const at = new Date(Date.now() + 6_000);
    const daemon = await startApp('mc-backup', ['run'], {
      env: {
        ...stack.env,
        // fires once, a few seconds from now
        BACKUP_SCHEDULE: `${at.getSeconds()} * * * * *`,
        ...slowPausedCopy(stack, 3),
        BACKUP_RESUME_TIMEOUT: '1s',
      },
    });
    await pausedCopyStarted(daemon.proc, 75_000);
    expect(savingIsOn(stack.mc)).toBe(false);
    await stack.bridge.proc.stop();
    await waitFor(() => daemon.proc.logs().some((l) => l.msg === 'backup failure'), { timeoutMs: 30_000, what: 'the run to fail' });
    const failed = daemon.proc.logs().find((l) => l.msg === 'backup failure')?.run;
    expect(failed).toMatchObject({ status: 'failure', failedStep: 'save-on', error: expect.stringMatching(/could not be turned back on/) });
    expect(savingIsOn(stack.mc)).toBe(false);
    expect((await daemon.readyz()).body).toMatchObject({ checks: { saving: { ok: false } } });

    await startBridge(stack.mc, stack.dir);
    await waitFor(() => savingIsOn(stack.mc), { timeoutMs: 40_000, what: 'save-on once the bridge is back' });
    await waitFor(async () => ((await daemon.readyz()).body as { checks: { saving: { ok: boolean } } }).checks.saving.ok, {
      what: 'the saving check to recover',
    });
    expect(readState(stack)).toMatchObject({ paused: null });
  }, 120_000);
});
