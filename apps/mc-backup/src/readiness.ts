import type { CheckResult } from '@homelab/core';
import type { BackupState } from './state.js';

/**
 * Pure: ready while the last success is younger than `maxAgeMs`, or, with no success yet, while
 * this installation is younger than `maxAgeMs` (no run was due yet). `noPlaySkipAt`: a scheduled
 * run skipped because nobody played (BACKUP_MODE) counts as fresh as a success.
 */
export function backupFreshness(state: BackupState, now: number, maxAgeMs: number, noPlaySkipAt?: number): CheckResult {
  const success = state.lastSuccess?.finishedAt;
  const last = success !== undefined && noPlaySkipAt !== undefined ? Math.max(success, noPlaySkipAt) : (success ?? noPlaySkipAt);
  if (last !== undefined) {
    const ageMs = now - last;
    const skipped = noPlaySkipAt !== undefined && last === noPlaySkipAt ? { skippedNoPlay: new Date(noPlaySkipAt).toISOString() } : {};
    return {
      ok: ageMs < maxAgeMs,
      detail: {
        lastSuccess: success === undefined ? null : new Date(success).toISOString(),
        ageSeconds: Math.round(ageMs / 1000),
        ...skipped,
      },
    };
  }
  const sinceMs = now - state.createdAt;
  return {
    ok: sinceMs < maxAgeMs,
    detail: { lastSuccess: null, waitingSinceSeconds: Math.round(sinceMs / 1000), lastRun: state.lastRun?.status ?? null },
  };
}

/** Pure: not ready while save-on is owed (saving may still be off). */
export function savingResumed(state: BackupState): CheckResult {
  return state.paused
    ? { ok: false, detail: { pausedSince: new Date(state.paused.since).toISOString(), run: state.paused.run } }
    : { ok: true };
}
