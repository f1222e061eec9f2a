import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { borgLocks, startApp, useCleanup, waitFor, webhook } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { initialState } from '../src/state.js';
import { setup } from './helpers.js';

useCleanup();

describe('mc-backup run (daemon)', () => {
  it('runs on its schedule, notifies the webhook on success and failure, exposes metrics and readiness', async () => {
    const s = await setup();
    const hook = await webhook();
    try {
      const app = await startApp('mc-backup', ['run'], {
        env: { ...s.env, BACKUP_SCHEDULE: '*/2 * * * * *', BACKUP_NOTIFY_URL: hook.url },
      });
      await waitFor(() => hook.bodies.length >= 1, { timeoutMs: 20_000, what: 'a success notification' });
      expect(hook.bodies[0]).toMatchObject({
        method: 'POST',
        contentType: 'application/json',
        source: 'mc-backup',
        status: 'success',
        paused: false,
        trigger: 'scheduled',
        archive: expect.stringMatching(/^world-/),
      });
      const metrics = await app.metrics();
      expect(metrics).toMatch(/mc_backup_last_success_timestamp_seconds\{app="mc-backup"\} \d+/);
      expect(metrics).toMatch(/mc_backup_last_archive_bytes\{kind="original",app="mc-backup"\} \d+/);
      expect(metrics).toMatch(/mc_backup_runs_total\{status="success",app="mc-backup"\} [1-9]/);
      expect(metrics).toMatch(/mc_backup_unpaused_runs_total\{app="mc-backup"\} [1-9]/);
      const ready = await app.readyz();
      expect(ready.status).toBe(200);
      await app.proc.stop();
      // the webhook URL carries a token: it never reaches a log line
      expect(app.proc.output).not.toContain('secret-token');

      // the same daemon against a repository that is gone: a failure notification
      hook.bodies.length = 0;
      const broken = await startApp('mc-backup', ['run'], {
        env: {
          ...s.env,
          BORG_REPO: join(s.dir, 'gone'),
          BACKUP_SCHEDULE: '*/2 * * * * *',
          BACKUP_NOTIFY_URL: hook.url,
          BACKUP_NOTIFY_ON: 'failure',
        },
      });
      await waitFor(() => hook.bodies.length >= 1, { timeoutMs: 20_000, what: 'a failure notification' });
      expect(hook.bodies[0]).toMatchObject({ status: 'failure', failedStep: 'create', error: expect.stringMatching(/gone/) });
      expect(hook.bodies[0]).not.toHaveProperty('pruned');
      await broken.proc.stop();
    } finally {
      await hook.close();
    }
  });

  it('is not ready when the last success is older than BACKUP_MAX_AGE; ready on a fresh install', async () => {
    const s = await setup();
    mkdirSync(s.env.BACKUP_STATE_DIR, { recursive: true });
    const old = Date.now() - 30 * 3_600_000;
    const state = initialState(old - 86_400_000);
    const record = {
      id: 'old',
      trigger: 'scheduled' as const,
      status: 'success' as const,
      startedAt: old,
      finishedAt: old,
      durationMs: 1,
      paused: true,
      warnings: [],
      steps: [],
    };
    writeFileSync(join(s.env.BACKUP_STATE_DIR, 'state.json'), JSON.stringify({ ...state, lastRun: record, lastSuccess: record }));
    const stale = await startApp('mc-backup', ['run'], { env: { ...s.env, BACKUP_SCHEDULE: '0 4 1 1 *' }, waitReady: 'healthz' });
    const res = await stale.readyz();
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ checks: { backup: { ok: false, detail: { ageSeconds: expect.any(Number) } }, saving: { ok: true } } });
    await stale.proc.stop();

    const fresh = await setup();
    const app = await startApp('mc-backup', ['run'], { env: { ...fresh.env, BACKUP_SCHEDULE: '0 4 * * *', BACKUP_TZ: 'Asia/Tokyo' } });
    expect((await app.readyz()).body).toMatchObject({ ready: true, checks: { backup: { ok: true, detail: { lastSuccess: null } } } });
    // the schedule is in BACKUP_TZ: 04:00 in Tokyo is 19:00 UTC
    // /readyz answers while start() still runs (the health server listens first): wait for the line
    await waitFor(() => app.proc.logs().some((l) => l.msg === 'scheduler started'), { timeoutMs: 10_000, what: 'scheduler started' });
    const started = app.proc.logs().find((l) => l.msg === 'scheduler started');
    expect(started).toMatchObject({ schedule: '0 4 * * *', timeZone: 'Asia/Tokyo', next: expect.stringMatching(/T19:00:00\.000Z$/) });
  });

  it('runs borg check on its own schedule and records it', async () => {
    const s = await setup();
    const app = await startApp('mc-backup', ['run'], {
      env: { ...s.env, BACKUP_SCHEDULE: '0 4 1 1 *', BACKUP_CHECK_SCHEDULE: '*/2 * * * * *' },
    });
    await waitFor(async () => /mc_backup_last_check_timestamp_seconds\{status="success",app="mc-backup"\} \d+/.test(await app.metrics()), {
      timeoutMs: 20_000,
      what: 'a borg check in the metrics',
    });
    const state = JSON.parse(readFileSync(join(s.env.BACKUP_STATE_DIR, 'state.json'), 'utf8'));
    expect(state.lastCheck).toMatchObject({ ok: true, at: expect.any(Number) });
    expect(app.proc.logs().some((l) => l.msg === 'borg check passed')).toBe(true);
  });

  it('not ready while save-on is owed and the RCON endpoint stays unreachable; keeps retrying', async () => {
    const s = await setup();
    mkdirSync(s.env.BACKUP_STATE_DIR, { recursive: true });
    const state = { ...initialState(Date.now()), paused: { since: Date.now(), pid: 999_999, run: 'killed' } };
    writeFileSync(join(s.env.BACKUP_STATE_DIR, 'state.json'), JSON.stringify(state));
    const app = await startApp('mc-backup', ['run'], {
      env: { ...s.env, BACKUP_SCHEDULE: '0 4 1 1 *', BACKUP_RESUME_TIMEOUT: '200ms' },
      waitReady: 'healthz',
    });
    await waitFor(() => app.proc.logs().filter((l) => l.msg === 'recovery failed; retrying').length >= 2, {
      timeoutMs: 20_000,
      what: 'two recovery attempts',
    });
    const res = await app.readyz();
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ ready: false, checks: { saving: { ok: false, detail: { run: 'killed' } }, backup: { ok: true } } });
    expect(await app.metrics()).toMatch(/mc_backup_saving_paused\{app="mc-backup"\} 1/);
  });

  it('SIGTERM during a scheduled run: borg is interrupted, the run is recorded aborted, exit within 10 s', async () => {
    const s = await setup();
    writeFileSync(join(s.world, 'big.bin'), randomBytes(160 * 1024 * 1024));
    const app = await startApp('mc-backup', ['run'], { env: { ...s.env, BACKUP_SCHEDULE: '* * * * * *' } });
    await waitFor(() => existsSync(join(s.env.BORG_REPO, 'lock.exclusive')) && app.proc.stdout.some((l) => l.includes('"borg":"create"')), {
      timeoutMs: 30_000,
      intervalMs: 10,
      what: 'borg create to hold the lock',
    });
    await new Promise((r) => setTimeout(r, 300));
    // one run at a time although the schedule fires every second
    expect(app.proc.logs().filter((l) => l.msg === 'backup starting')).toHaveLength(1);
    const t0 = Date.now();
    app.proc.signal('SIGTERM');
    const exit = await app.proc.waitExit(15_000);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(exit.code).toBe(0);
    const state = JSON.parse(readFileSync(join(s.env.BACKUP_STATE_DIR, 'state.json'), 'utf8'));
    expect(state.lastRun).toMatchObject({ status: 'aborted', failedStep: 'create' });
    expect(borgLocks(s.repo).filter((l) => l.alive || l.host !== 'mc-backup')).toEqual([]);
  });
});
