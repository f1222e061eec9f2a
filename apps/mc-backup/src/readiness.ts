import type { CheckResult } from '@homelab/core';
import type { BackupState } from './state.js';

/**
 * Pure: ready while the last success is younger than `maxAgeMs`, or, with no success yet, while
 * this installation is younger than `maxAgeMs` (no run was due yet).
 */
export function backupFreshness(state: BackupState, now: number, maxAgeMs: number): CheckResult {
  const last = state.lastSuccess?.finishedAt;
  if (last !== undefined) {
    const ageMs = now - last;
    return { ok: ageMs < maxAgeMs, detail: { lastSuccess: new Date(last).toISOString(), ageSeconds: Math.round(ageMs / 1000) } };
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
