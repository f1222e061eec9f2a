import { Counter, Gauge, type Registry } from 'prom-client';
import type { VerifyRecord } from './store.js';

/** mc_backup_last_verify_*: when the last verification ran, whether it passed; failures counted. */
export function createVerifyMetrics(registry: Registry) {
  const last = new Gauge({
    name: 'mc_backup_last_verify_timestamp_seconds',
    help: 'end of the last archive verification (unix time)',
    labelNames: ['status'],
    registers: [registry],
  });
  const ok = new Gauge({
    name: 'mc_backup_last_verify_success',
    help: '1 when the last verification passed, else 0',
    registers: [registry],
  });
  const failures = new Counter({
    name: 'mc_backup_verify_failures_total',
    help: 'archive verifications that failed',
    registers: [registry],
  });
  return {
    /** From the persisted record at start (no counting), or after a verification (counted). */
    observe(record: VerifyRecord, count = true) {
      last.reset();
      last.set({ status: record.ok ? 'success' : 'failure' }, (record.at + record.durationMs) / 1000);
      ok.set(record.ok ? 1 : 0);
      if (count && !record.ok) failures.inc();
    },
  };
}
export type VerifyMetrics = ReturnType<typeof createVerifyMetrics>;
