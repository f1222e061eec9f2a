/** The sanoid periods, shortest first, and the time arithmetic the policy needs (all UTC). */
export const PERIODS = ['frequently', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
export type Period = (typeof PERIODS)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Length of one period for the age rule; months and years as sanoid counts them (31 d, 365 d). */
export function periodMs(period: Period, frequentMs: number): number {
  switch (period) {
    case 'frequently':
      return frequentMs;
    case 'hourly':
      return HOUR;
    case 'daily':
      return DAY;
    case 'weekly':
      return 7 * DAY;
    case 'monthly':
      return 31 * DAY;
    case 'yearly':
      return 365 * DAY;
  }
}

/**
 * The calendar slot a time falls in (UTC): a snapshot of a period is due when the newest one of
 * that period is in an earlier slot. Weeks start on Monday.
 */
export function slotOf(period: Period, time: number, frequentMs: number): number {
  const d = new Date(time);
  switch (period) {
    case 'frequently':
      return Math.floor(time / frequentMs);
    case 'hourly':
      return Math.floor(time / HOUR);
    case 'daily':
      return Math.floor(time / DAY);
    case 'weekly':
      // 1970-01-01 was a Thursday: shift so that slots start on Mondays.
      return Math.floor((Math.floor(time / DAY) + 3) / 7);
    case 'monthly':
      return d.getUTCFullYear() * 12 + d.getUTCMonth();
    case 'yearly':
      return d.getUTCFullYear();
  }
}
