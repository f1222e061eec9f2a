import { readlink, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, startApp, startCaddy, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { hitsByPath, readPublished } from './report.js';

useCleanup();

const wrapper = fileURLToPath(new URL('./fixtures/goaccess-or-hang.sh', import.meta.url));

function metric(text: string, name: string, label = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('proxy-stats when GoAccess hangs', () => {
  it('a run killed by the timeout keeps the report and the history; the retry counts every line once', async () => {
    const caddy = await startCaddy();
    const data = await makeTempDir('proxy-stats-fail-');
    const flag = join(data, '..', `${process.pid}-hang`);
    const tag = `f${process.pid}`;
    for (let i = 0; i < 3; i++) expect(await caddy.get(`/${tag}-a${i}`)).toBe(404);
    const app = await startApp('proxy-stats', [], {
      env: {
        STATS_LOG: caddy.accessLog,
        STATS_DATA: data,
        STATS_GOACCESS: wrapper,
        HANG_FLAG: flag,
        STATS_POLL: '200ms',
        STATS_DEBOUNCE: '200ms',
        // Long enough for a real run on a loaded machine; only the hanging runs reach it.
        STATS_RUN_TIMEOUT: '6s',
        STATS_RETRY_MIN: '500ms',
        STATS_RETRY_MAX: '1s',
      },
      readyTimeoutMs: 30_000,
    });
    const first = await waitFor(async () => {
      const r = await readPublished(data);
      return r && r.json.general.total_requests === 4 ? r : undefined;
    });
    const release = await readlink(join(data, 'current'));
    const db = await readlink(join(data, 'db'));

    try {
      await writeFile(flag, '');
      // Rotate the log: from now on the first lines live only in the database.
      await caddy.stop();
      await rename(caddy.accessLog, `${caddy.accessLog}.1`);
      await caddy.start();
      expect(await caddy.get(`/${tag}-b0`)).toBe(404);
      await waitFor(async () => metric(await app.metrics(), 'proxy_stats_run_failures_total', 'reason="timeout"') >= 1, {
        timeoutMs: 30_000,
        what: 'a timed-out run',
      });
      // The published report and the database are the ones of the last good run.
      expect(await readlink(join(data, 'current'))).toBe(release);
      expect(await readlink(join(data, 'db'))).toBe(db);
      expect((await readPublished(data))?.json).toEqual(first.json);
      expect((await app.readyz()).status).toBe(200);
    } finally {
      await rm(flag, { force: true });
    }
    const after = await waitFor(
      async () => {
        const r = await readPublished(data);
        return r && r.json.general.total_requests === 6 ? r : undefined;
      },
      { timeoutMs: 30_000, what: 'the retry to publish 6 requests' },
    );
    const hits = hitsByPath(after.json);
    for (const path of [`/${tag}-a0`, `/${tag}-a1`, `/${tag}-a2`, `/${tag}-b0`]) expect(hits.get(path)).toBe(1);
    expect(hits.get('/up')).toBe(2);
    expect(metric(await app.metrics(), 'proxy_stats_runs_total', 'result="timeout"')).toBeGreaterThanOrEqual(1);
  });
});
