import { readlink, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, type StartedApp, startApp, startCaddy, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { hitsByPath, readPublished } from './report.js';

useCleanup();

const env = (log: string, data: string) => ({
  STATS_LOG: log,
  STATS_DATA: data,
  STATS_POLL: '200ms',
  STATS_DEBOUNCE: '300ms',
  STATS_MAX_WAIT: '2s',
  STATS_INTERVAL: '10m',
  STATS_RUN_TIMEOUT: '30s',
});

/** Waits until the published report (HTML data and JSON alike) shows at least these hits. */
async function waitForHits(data: string, expected: Record<string, number>, total: number) {
  return waitFor(
    async () => {
      const report = await readPublished(data);
      if (!report) return undefined;
      for (const view of [report.html, report.json]) {
        const hits = hitsByPath(view);
        if (view.general.total_requests !== total) return undefined;
        for (const [path, count] of Object.entries(expected)) if (hits.get(path) !== count) return undefined;
      }
      return report;
    },
    { timeoutMs: 30_000, what: `the report to show ${JSON.stringify(expected)} in ${total} requests` },
  );
}

function metric(text: string, name: string, label = ''): number {
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(label));
  if (!line) throw new Error(`metric ${name} missing`);
  return Number(line.split(' ').pop());
}

describe('proxy-stats with real Caddy and real GoAccess', () => {
  it('the report shows the requests a test made, and a restart keeps the history', async () => {
    const caddy = await startCaddy();
    const data = await makeTempDir('proxy-stats-data-');
    const tag = `t${process.pid}`;

    // Before the sidecar starts: Caddy's start probe (/up), 3 hits on /ok and 4 distinct 404 paths.
    for (let i = 0; i < 3; i++) expect(await caddy.get('/ok')).toBe(200);
    for (let i = 0; i < 4; i++) expect(await caddy.get(`/${tag}-a${i}`)).toBe(404);

    let app: StartedApp = await startApp('proxy-stats', [], { env: env(caddy.accessLog, data), readyTimeoutMs: 30_000 });
    const first = await waitForHits(data, { '/ok': 3, [`/${tag}-a0`]: 1, [`/${tag}-a3`]: 1, '/up': 1 }, 8);
    expect(hitsByPath(first.html).get(`/${tag}-b0`)).toBeUndefined();
    expect((await app.readyz()).status).toBe(200);

    // New lines while it runs: a debounced run picks them up.
    expect(await caddy.get('/ok')).toBe(200);
    expect(await caddy.get(`/${tag}-b0`)).toBe(404);
    await waitForHits(data, { '/ok': 4, [`/${tag}-b0`]: 1 }, 10);
    // The report is published a moment before the run's metrics are updated.
    await waitFor(async () => metric(await app.metrics(), 'proxy_stats_lines_processed_total') === 10, { what: 'lines processed 10' });
    const metrics = await app.metrics();
    expect(metric(metrics, 'proxy_stats_report_requests')).toBe(10);
    expect(metric(metrics, 'proxy_stats_runs_total', 'result="ok"')).toBeGreaterThanOrEqual(2);
    expect(metric(metrics, 'proxy_stats_last_success_timestamp_seconds')).toBeGreaterThan(0);
    expect(metric(metrics, 'proxy_stats_report_age_seconds')).toBeLessThan(60);

    // Restart the sidecar. While it is down, the log is rotated (moved away, Caddy restarted on a
    // new file): the old lines now exist only in GoAccess's database, so the report can show them
    // only if the history survived. Requests after the rotation are counted on top of it.
    expect(await app.proc.stop()).toEqual({ code: 0, signal: null });
    const releaseBefore = await readlink(join(data, 'current'));
    await caddy.stop();
    await rename(caddy.accessLog, `${caddy.accessLog}.1`);
    await caddy.start();
    for (let i = 0; i < 2; i++) expect(await caddy.get('/ok')).toBe(200);
    expect(await caddy.get(`/${tag}-c0`)).toBe(404);
    app = await startApp('proxy-stats', [], { env: env(caddy.accessLog, data), readyTimeoutMs: 30_000 });
    const after = await waitForHits(data, { '/ok': 6, '/up': 2, [`/${tag}-a0`]: 1, [`/${tag}-b0`]: 1, [`/${tag}-c0`]: 1 }, 14);
    expect(await readlink(join(data, 'current'))).not.toBe(releaseBefore);
    // Nothing was counted twice: every 404 path once, across both processes.
    for (let i = 0; i < 4; i++) expect(hitsByPath(after.json).get(`/${tag}-a${i}`)).toBe(1);
    await waitFor(async () => metric(await app.metrics(), 'proxy_stats_report_requests') === 14, { what: 'report requests 14' });
    const again = await app.metrics();
    expect(metric(again, 'proxy_stats_lines_processed_total')).toBe(4);
    expect(metric(again, 'proxy_stats_report_requests')).toBe(14);
    expect((await app.readyz()).status).toBe(200);
  });
});
