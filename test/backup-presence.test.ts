import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, startApp, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { archiveNames, type BackupStack, runBackupCli, startBackupStack } from './backup-helpers.js';

useCleanup();

/** The stack with the bridge's log socket following the fake's latest.log. */
const withLog = (dir: string, mc: { logFile: string }) => ({ BRIDGE_LOG_SOCKET: join(dir, 'log.sock'), BRIDGE_LOG_FILE: mc.logFile });

const finished = (app: { proc: { logs(): Record<string, unknown>[] } }) =>
  app.proc
    .logs()
    .filter((l) => l.msg === 'backup finished')
    .map((l) => (l.run as { trigger: string }).trigger);

/** Moves the last success two days back, as if the last backup ran the day before yesterday. */
function ageLastSuccess(stack: BackupStack): void {
  const state = JSON.parse(readFileSync(stack.stateFile, 'utf8'));
  const shift = 2 * 24 * 3_600_000;
  for (const key of ['lastSuccess', 'lastRun']) {
    state[key].startedAt -= shift;
    state[key].finishedAt -= shift;
  }
  state.createdAt -= 3 * 24 * 3_600_000;
  writeFileSync(stack.stateFile, JSON.stringify(state));
}

describe('presence-aware backups (fake server join/leave lines through the real bridge, real borg)', { timeout: 180_000 }, () => {
  it('if-played: scheduled runs without joins make no archive and readiness stays ok; a join makes the next run back up', async () => {
    const stack = await startBackupStack({ bridgeEnv: withLog });
    expect((await runBackupCli(stack, ['now'])).code).toBe(0);
    ageLastSuccess(stack);
    const app = await startApp('mc-backup', ['run'], {
      env: {
        ...stack.env,
        BACKUP_MODE: 'if-played',
        BACKUP_LOG_SOCKET: join(stack.dir, 'log.sock'),
        BACKUP_SCHEDULE: '*/2 * * * * *',
        BACKUP_MAX_AGE: '26h',
      },
      waitReady: 'healthz',
    });
    await waitFor(() => app.proc.logs().filter((l) => l.msg === 'scheduled backup skipped: nobody played').length >= 2, {
      timeoutMs: 20_000,
      what: 'two skipped runs',
    });
    expect(archiveNames(stack)).toHaveLength(1);
    // the last success is two days old; the skipped runs keep it ready
    const ready = await app.readyz();
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ checks: { backup: { ok: true, detail: { skippedNoPlay: expect.any(String) } } } });
    expect(await app.metrics()).toMatch(/^mc_backup_skipped_runs_total\{app="mc-backup"\} [1-9]\d*$/m);

    await stack.mc.join('Steve');
    await waitFor(() => finished(app).length >= 1, { timeoutMs: 30_000, what: 'the run after the join to back up' });
    expect(finished(app)[0]).toBe('scheduled');
    expect(archiveNames(stack)).toHaveLength(2);
  });

  it('after-leave: one backup after the server start, one after the last player left; a rejoin within the delay cancels it', async () => {
    const stack = await startBackupStack({ bridgeEnv: withLog, players: ['Steve'] });
    const app = await startApp('mc-backup', ['run'], {
      env: {
        ...stack.env,
        BACKUP_MODE: 'after-leave',
        BACKUP_LOG_SOCKET: join(stack.dir, 'log.sock'),
        BACKUP_AFTER_LEAVE_DELAY: '3s',
        BACKUP_MIN_INTERVAL: '0s',
        BACKUP_SCHEDULE: '0 4 1 1 *',
      },
      waitReady: 'healthz',
    });
    // the server's start (its "Done" line) owes one backup
    await waitFor(() => finished(app).length === 1, { timeoutMs: 30_000, what: 'the backup after the server start' });
    expect(finished(app)).toEqual(['server-start']);

    // Steve (online from the start, learnt from `list`) leaves: one backup 3 s later
    const left = Date.now();
    await stack.mc.leave('Steve');
    await waitFor(() => finished(app).length === 2, { timeoutMs: 30_000, what: 'the backup after the leave' });
    const run = app.proc.logs().filter((l) => l.msg === 'backup finished')[1]?.run as { trigger: string; startedAt: number };
    expect(run.trigger).toBe('after-leave');
    expect(run.startedAt - left).toBeGreaterThanOrEqual(2_900);

    // Alex joins, leaves and rejoins within the delay: nothing follows
    await stack.mc.join('Alex');
    await stack.mc.leave('Alex');
    await sleep(1_000);
    await stack.mc.join('Alex');
    await sleep(5_000);
    expect(finished(app)).toHaveLength(2);
    expect(archiveNames(stack)).toHaveLength(2);
    // and once Alex is gone for good, one more
    await stack.mc.leave('Alex');
    await waitFor(() => finished(app).length === 3, { timeoutMs: 30_000, what: 'the backup after the final leave' });
    await sleep(4_000);
    expect(finished(app)).toEqual(['server-start', 'after-leave', 'after-leave']);
  });
});
