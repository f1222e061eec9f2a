export type VerifyMode = 'after-run' | 'daily' | 'off';

export const DAY_MS = 24 * 3_600_000;

/**
 * Pure: whether a successful backup run should be followed by a verification of its archive.
 * `daily` verifies after the first successful run once a day has passed since the last
 * verification (whatever its result), so a host with hourly backups extracts one archive a day.
 */
export function verifyDue(mode: VerifyMode, lastVerifyAt: number | undefined, now: number): boolean {
  if (mode === 'off') return false;
  if (mode === 'after-run') return true;
  return lastVerifyAt === undefined || now - lastVerifyAt >= DAY_MS || now < lastVerifyAt;
}
