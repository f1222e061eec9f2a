import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface MapMetrics {
  renders: Counter<'result'>;
  failures: Counter<'reason'>;
  duration: Histogram;
  pendingChanges: Gauge;
  changes: Counter;
  lastSuccess: Gauge;
  publishedFiles: Gauge<'how'>;
}

export function createMapMetrics(registry: Registry, pendingChanges: () => number): MapMetrics {
  return {
    renders: new Counter({ name: 'map_renders_total', help: 'Render attempts by result', labelNames: ['result'], registers: [registry] }),
    failures: new Counter({
      name: 'map_render_failures_total',
      help: 'Failed renders by reason (failed, timeout, publish)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'map_render_duration_seconds',
      help: 'Render plus publish duration',
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800],
      registers: [registry],
    }),
    pendingChanges: new Gauge({
      name: 'map_pending_changes',
      help: 'World changes not yet covered by a render',
      registers: [registry],
      collect() {
        this.set(pendingChanges());
      },
    }),
    changes: new Counter({ name: 'map_world_changes_total', help: 'Watched world changes seen', registers: [registry] }),
    lastSuccess: new Gauge({
      name: 'map_last_success_timestamp_seconds',
      help: 'When the last good map was published',
      registers: [registry],
    }),
    publishedFiles: new Gauge({
      name: 'map_last_release_files',
      help: 'Files of the last release, hard-linked from the previous one or copied',
      labelNames: ['how'],
      registers: [registry],
    }),
  };
}
