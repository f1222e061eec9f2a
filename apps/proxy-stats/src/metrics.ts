import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface StatsMetrics {
  runs: Counter<'result'>;
  failures: Counter<'reason'>;
  duration: Histogram;
  lastSuccess: Gauge;
  linesProcessed: Counter;
  reportRequests: Gauge;
}

/** `reportPublishedAt` gives the current report's publish time (undefined: none yet). */
export function createStatsMetrics(
  registry: Registry,
  opts: { now: () => number; reportPublishedAt: () => number | undefined },
): StatsMetrics {
  new Gauge({
    name: 'proxy_stats_report_age_seconds',
    help: 'Age of the published report (NaN while there is none)',
    registers: [registry],
    collect() {
      const at = opts.reportPublishedAt();
      this.set(at === undefined ? Number.NaN : Math.max(0, (opts.now() - at) / 1000));
    },
  });
  return {
    runs: new Counter({ name: 'proxy_stats_runs_total', help: 'GoAccess runs by result', labelNames: ['result'], registers: [registry] }),
    failures: new Counter({
      name: 'proxy_stats_run_failures_total',
      help: 'Failed runs by reason (failed, timeout, bad-report, publish, database)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'proxy_stats_run_duration_seconds',
      help: 'GoAccess run plus publish duration',
      buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300],
      registers: [registry],
    }),
    lastSuccess: new Gauge({
      name: 'proxy_stats_last_success_timestamp_seconds',
      help: 'When the last good report was published',
      registers: [registry],
    }),
    linesProcessed: new Counter({
      name: 'proxy_stats_lines_processed_total',
      help: 'Access log lines GoAccess added to its database (growth of its total)',
      registers: [registry],
    }),
    reportRequests: new Gauge({
      name: 'proxy_stats_report_requests',
      help: 'Requests the published report counts over its whole history',
      registers: [registry],
    }),
  };
}
