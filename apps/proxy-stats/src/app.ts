import { join } from 'node:path';
import type { ReadinessCheck, ServiceDeps } from '@homelab/core';
import { Publisher } from '@homelab/releases';
import { checkConfig, type ProxyStatsConfig, scheduleSettings } from './config.js';
import { DbStore } from './db-store.js';
import { REPORT_JSON } from './goaccess.js';
import { statsLayout } from './layout.js';
import { logIdentity } from './log-probe.js';
import { createStatsMetrics } from './metrics.js';
import { readReportSummary } from './report.js';
import { createRunJob, type LastRun, type RunJob } from './run-job.js';
import { readiness } from './schedule.js';
import { StatsScheduler } from './scheduler.js';

/** Everything one run needs, ready to go: shared by the service and the `once` command. */
export async function prepareRuns(
  deps: Pick<ServiceDeps<ProxyStatsConfig>, 'config' | 'runner' | 'clock' | 'log' | 'registry'>,
  onResult: (last: LastRun) => void,
) {
  const config = checkConfig(deps.config);
  const layout = statsLayout(config.STATS_DATA);
  const db = new DbStore(config.STATS_DATA);
  const publisher = new Publisher({
    layout: layout.report,
    staging: layout.staging,
    graceMs: config.STATS_RELEASE_GRACE,
    clock: deps.clock,
    log: deps.log.child({ component: 'publish' }),
  });
  await publisher.init();
  const leftovers = await db.tidy();
  if (leftovers.length > 0) deps.log.info({ removed: leftovers }, 'removed database copies of interrupted runs');
  const published = publisher.current;
  const previousTotal = published
    ? await readReportSummary(join(layout.report.output, REPORT_JSON)).then(
        (s) => s.totalRequests,
        () => undefined,
      )
    : undefined;
  const metrics = createStatsMetrics(deps.registry, {
    now: () => deps.clock.now(),
    reportPublishedAt: () => publisher.current?.publishedAt,
  });
  if (previousTotal !== undefined) metrics.reportRequests.set(previousTotal);
  const run: RunJob = createRunJob({
    runner: deps.runner,
    goaccess: config.STATS_GOACCESS,
    logFile: config.STATS_LOG,
    staging: layout.staging,
    title: config.STATS_TITLE,
    keepDays: config.STATS_KEEP_DAYS,
    timeoutMs: config.STATS_RUN_TIMEOUT,
    db,
    publisher,
    metrics,
    log: deps.log,
    now: () => deps.clock.now(),
    previousTotal,
    onResult,
  });
  return { config, layout, publisher, run };
}

/**
 * The sidecar of reverse-proxy-stats: `checks` and `status` go to the health server; `start` polls
 * the access log and runs GoAccess on the schedule, publishing each report atomically.
 */
export function build(deps: ServiceDeps<ProxyStatsConfig>) {
  const { clock, log } = deps;
  let lastRun: LastRun | undefined;
  let scheduler: StatsScheduler | undefined;
  let publisher: Publisher | undefined;

  const checks: Record<string, ReadinessCheck> = {
    report: () =>
      readiness({
        published: publisher?.current !== undefined,
        lastGoodAt: scheduler?.snapshot().lastGoodAt,
        now: clock.now(),
        staleAfterMs: deps.config.STATS_STALE_AFTER,
      }),
  };

  const status = () => {
    const snap = scheduler?.snapshot();
    return {
      lastRun: lastRun ?? null,
      running: snap?.running ?? false,
      newLinesPending: snap?.newLinesPending ?? false,
      nextRunAt: snap?.nextRunAt === undefined ? null : new Date(snap.nextRunAt).toISOString(),
      consecutiveFailures: snap?.failures ?? 0,
      currentRelease: publisher?.current?.current ?? null,
    };
  };

  async function start(): Promise<void> {
    const prepared = await prepareRuns(deps, (last) => {
      lastRun = last;
    });
    publisher = prepared.publisher;
    const { config } = prepared;
    const sched = new StatsScheduler({
      clock,
      settings: scheduleSettings(config),
      pollMs: config.STATS_POLL,
      probe: () => logIdentity(config.STATS_LOG),
      run: prepared.run,
      log,
    });
    scheduler = sched;
    sched.start();
    deps.lifecycle.onStop('scheduler', () => sched.stop());
    const cleanupEvery = Math.max(500, Math.min(config.STATS_RELEASE_GRACE, 60_000) / 2);
    const cleanupTimer = setInterval(() => {
      publisher?.cleanup().catch((error) => log.warn({ err: error }, 'release clean-up failed'));
    }, cleanupEvery);
    cleanupTimer.unref();
    deps.lifecycle.onStop('release clean-up', () => clearInterval(cleanupTimer));
    log.info(
      { log: config.STATS_LOG, output: prepared.layout.report.output, published: publisher.current?.current ?? null },
      'watching the access log',
    );
  }

  return { checks, status, start };
}
