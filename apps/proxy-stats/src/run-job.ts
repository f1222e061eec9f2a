import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ExecError, errorMessage, type Logger, type Runner } from '@homelab/core';
import type { Publisher } from '@homelab/releases';
import type { DbStore } from './db-store.js';
import { goaccessArgs, REPORT_JSON } from './goaccess.js';
import type { StatsMetrics } from './metrics.js';
import { linesAdded, readReportSummary } from './report.js';
import type { RunReason } from './schedule.js';

export interface LastRun {
  at: string;
  reason: RunReason;
  durationMs: number;
  result: 'ok' | 'failed' | 'timeout' | 'bad-report' | 'publish-failed';
  release?: string;
  linesAdded?: number;
  totalRequests?: number;
  error?: string;
}

export interface RunJobDeps {
  runner: Runner;
  goaccess: string;
  logFile: string;
  staging: string;
  title: string;
  keepDays: number | undefined;
  timeoutMs: number;
  db: DbStore;
  publisher: Publisher;
  metrics: StatsMetrics;
  log: Logger;
  now: () => number;
  /** The report's total before this run (from the published report at start); updated after each good run. */
  previousTotal: number | undefined;
  onResult: (last: LastRun) => void;
}

export type RunJob = (info: { startedAt: number; reason: RunReason; signal: AbortSignal }) => Promise<void>;

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * One run: GoAccess adds the log's new lines to a copy of its database and writes the report into
 * staging; the report is published as a new release, then the copy becomes the database. Any
 * failure leaves both the published report and the database as they were.
 */
export function createRunJob(deps: RunJobDeps): RunJob {
  const log = deps.log.child({ component: 'run' });
  let previousTotal = deps.previousTotal;
  return async ({ startedAt, reason, signal }) => {
    const finish = (result: LastRun['result'], extra: Partial<LastRun> = {}) => {
      const durationMs = deps.now() - startedAt;
      deps.metrics.runs.inc({ result });
      deps.metrics.duration.observe(durationMs / 1000);
      deps.onResult({ at: new Date(startedAt).toISOString(), reason, durationMs, result, ...extra });
      return durationMs;
    };
    const fail = (result: LastRun['result'], reason: string, error: unknown, message: string, extra: Record<string, unknown> = {}) => {
      deps.metrics.failures.inc({ reason });
      const durationMs = finish(result, { error: errorMessage(error) });
      log.error({ durationMs, err: error, ...extra }, message);
    };

    const logFile = (await exists(deps.logFile)) ? deps.logFile : undefined;
    if (logFile === undefined) log.warn({ log: deps.logFile }, 'no access log yet: the report shows the stored history only');
    const work = await deps.db.prepare(startedAt);
    try {
      await mkdir(deps.staging, { recursive: true });
      try {
        await deps.runner.run(
          deps.goaccess,
          goaccessArgs({ log: logFile, dbDir: work.dir, outDir: deps.staging, title: deps.title, keepDays: deps.keepDays }),
          { timeoutMs: deps.timeoutMs, signal, killAfterMs: 3_000, logLevel: 'info' },
        );
      } catch (error) {
        if (signal.aborted) throw error;
        const timedOut = error instanceof ExecError && error.timedOut;
        const stderr = error instanceof ExecError ? error.stderr.slice(-4000) : undefined;
        fail(
          timedOut ? 'timeout' : 'failed',
          timedOut ? 'timeout' : 'failed',
          error,
          timedOut ? 'GoAccess timed out and was killed; the last report stays' : 'GoAccess failed; the last report stays',
          { stderr },
        );
        throw error;
      }
      let summary: Awaited<ReturnType<typeof readReportSummary>>;
      try {
        summary = await readReportSummary(join(deps.staging, REPORT_JSON));
      } catch (error) {
        fail('bad-report', 'bad-report', error, 'GoAccess wrote no usable JSON report; the last report stays');
        throw error;
      }
      let release: string;
      try {
        release = (await deps.publisher.publish(startedAt)).id;
      } catch (error) {
        fail('publish-failed', 'publish', error, 'publishing the report failed; the last report stays');
        throw error;
      }
      try {
        await deps.db.commit(work);
      } catch (error) {
        // The report is ahead of the database: the next run re-reads these lines from the old one.
        fail('failed', 'database', error, 'saving the database failed; the next run counts these lines again from the last good one');
        throw error;
      }
      const added = linesAdded(previousTotal, summary.totalRequests);
      previousTotal = summary.totalRequests;
      deps.metrics.linesProcessed.inc(added);
      deps.metrics.reportRequests.set(summary.totalRequests);
      deps.metrics.lastSuccess.set(deps.now() / 1000);
      const durationMs = finish('ok', { release, linesAdded: added, totalRequests: summary.totalRequests });
      log.info({ durationMs, reason, release, linesAdded: added, totalRequests: summary.totalRequests }, 'report published');
    } finally {
      // After a commit the working copy is gone already; otherwise it is dropped unused.
      await deps.db.discard(work);
    }
  };
}
