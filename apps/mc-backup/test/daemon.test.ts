import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { initialState } from '../src/state.js';
import { setup, webhook } from './helpers.js';

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
    const app = await startApp('mc-backup', ['run'], { env: { ...fresh.env, BACKUP_SCHEDULE: '0 4 1 1 *' } });
    expect((await app.readyz()).body).toMatchObject({ ready: true, checks: { backup: { ok: true, detail: { lastSuccess: null } } } });
  });
});
