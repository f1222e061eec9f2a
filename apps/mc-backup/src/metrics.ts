import { Counter, Gauge, type Registry } from 'prom-client';
import type { BackupState, RunRecord } from './state.js';
import { createVerifyMetrics } from './verify/metrics.js';

/** The metrics of DESIGN.md 3.4: last success, duration, freeze window, archive sizes. */
export function createBackupMetrics(registry: Registry) {
  const g = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const lastSuccess = g('mc_backup_last_success_timestamp_seconds', 'end of the last successful backup (unix time)');
  const lastRun = g('mc_backup_last_run_timestamp_seconds', 'end of the last backup run (unix time)');
  const lastRunOk = g('mc_backup_last_run_success', '1 when the last run succeeded, else 0');
  const duration = g('mc_backup_last_duration_seconds', 'duration of the last run');
  const freeze = g('mc_backup_last_freeze_seconds', 'world saving paused (save-off to save-on) in the last run');
  const archive = g('mc_backup_last_archive_bytes', 'sizes of the last archive', ['kind']);
  const files = g('mc_backup_last_archive_files', 'files in the last archive');
  const paused = g('mc_backup_saving_paused', '1 while world saving is off because of a backup (or save-on is owed)');
  const runs = new Counter({ name: 'mc_backup_runs_total', help: 'backup runs by result', labelNames: ['status'], registers: [registry] });
  const unpaused = new Counter({
    name: 'mc_backup_unpaused_runs_total',
    help: 'runs taken without pausing (RCON unreachable)',
    registers: [registry],
  });
  const locks = new Counter({
    name: 'mc_backup_stale_locks_broken_total',
    help: 'stale borg locks of our own host broken',
    registers: [registry],
  });
  const check = g('mc_backup_last_check_timestamp_seconds', 'end of the last borg check (unix time)', ['status']);
  for (const status of ['success', 'failure', 'aborted']) runs.inc({ status }, 0);

  const skipped = new Counter({
    name: 'mc_backup_skipped_runs_total',
    help: 'scheduled runs skipped because nobody played since the last backup (BACKUP_MODE)',
    registers: [registry],
  });
  skipped.inc(0);
  return {
    verify: createVerifyMetrics(registry),
    skipped() {
      skipped.inc();
    },
    /** Sets the gauges from the persisted state (at start, so a restart keeps the last values). */
    fromState(state: BackupState) {
      paused.set(state.paused ? 1 : 0);
      if (state.lastSuccess) lastSuccess.set(state.lastSuccess.finishedAt / 1000);
      if (state.lastRun) setRun(state.lastRun);
      if (state.lastCheck) check.set({ status: state.lastCheck.ok ? 'success' : 'failure' }, state.lastCheck.at / 1000);
    },
    observe(record: RunRecord) {
      runs.inc({ status: record.status });
      if (!record.paused && record.unpausedReason) unpaused.inc();
      if (record.status === 'success') lastSuccess.set(record.finishedAt / 1000);
      setRun(record);
    },
    setPaused(value: boolean) {
      paused.set(value ? 1 : 0);
    },
    lockBroken() {
      locks.inc();
    },
    checked(at: number, ok: boolean) {
      check.set({ status: ok ? 'success' : 'failure' }, at / 1000);
    },
  };

  function setRun(record: RunRecord) {
    lastRun.set(record.finishedAt / 1000);
    lastRunOk.set(record.status === 'success' ? 1 : 0);
    duration.set(record.durationMs / 1000);
    if (record.freezeMs !== undefined) freeze.set(record.freezeMs / 1000);
    if (record.stats) {
      archive.set({ kind: 'original' }, record.stats.originalBytes);
      archive.set({ kind: 'compressed' }, record.stats.compressedBytes);
      archive.set({ kind: 'deduplicated' }, record.stats.deduplicatedBytes);
      files.set(record.stats.files);
    }
  }
}

export type BackupMetrics = ReturnType<typeof createBackupMetrics>;
