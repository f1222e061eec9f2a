import { wallClockOf } from './cron/wall-clock.js';

/**
 * Retention as a pure function of (archives, keep counts, time zone): the same decision
 * `borg prune --keep-daily/--keep-weekly/--keep-monthly` makes (borg 1.2 `prune_split`), so the
 * policy can be tested without a repository and `mc-backup list` can say why an archive is kept.
 */

export interface KeepCounts {
  daily: number;
  weekly: number;
  monthly: number;
}

export interface ArchiveRef {
  name: string;
  /** Archive start time, ms since the epoch. */
  time: number;
}

export type KeepRule = 'daily' | 'weekly' | 'monthly' | 'daily[oldest]' | 'weekly[oldest]' | 'monthly[oldest]' | 'checkpoint';

export interface RetentionDecision {
  /** Kept archives, newest first, each with the rule that keeps it. */
  keep: { archive: ArchiveRef; rule: KeepRule }[];
  /** Archives borg prune would delete, newest first. */
  prune: ArchiveRef[];
}

const RULES = ['daily', 'weekly', 'monthly'] as const;
const CHECKPOINT = /\.checkpoint(\.\d+)?$/;

export function planRetention(archives: readonly ArchiveRef[], keep: KeepCounts, timeZone = 'UTC'): RetentionDecision {
  const periodOf = periodFunctions(timeZone);
  const newestFirst = [...archives].sort((a, b) => b.time - a.time || (a.name < b.name ? 1 : -1));
  const checkpoints = newestFirst.filter((a) => CHECKPOINT.test(a.name));
  const regular = newestFirst.filter((a) => !CHECKPOINT.test(a.name));
  const keptBecause = new Map<ArchiveRef, KeepRule>();
  // borg keeps the newest checkpoint while no complete archive is newer than it.
  if (checkpoints[0] && newestFirst[0] === checkpoints[0]) keptBecause.set(checkpoints[0], 'checkpoint');

  for (const rule of RULES) {
    const n = keep[rule];
    if (n <= 0) continue;
    let last: string | undefined;
    let count = 0;
    let oldest: ArchiveRef | undefined;
    for (const archive of regular) {
      oldest = archive;
      const period = periodOf[rule](archive.time);
      if (period === last) continue;
      last = period;
      if (keptBecause.has(archive)) continue;
      keptBecause.set(archive, rule);
      count++;
      if (count === n) break;
    }
    // Like borg: when the count is not reached, the oldest archive is kept too.
    if (oldest && count < n && !keptBecause.has(oldest)) keptBecause.set(oldest, `${rule}[oldest]`);
  }

  return {
    keep: newestFirst.filter((a) => keptBecause.has(a)).map((archive) => ({ archive, rule: keptBecause.get(archive) as KeepRule })),
    prune: newestFirst.filter((a) => !keptBecause.has(a)),
  };
}

type PeriodFunctions = Record<(typeof RULES)[number], (time: number) => string>;

function periodFunctions(timeZone: string): PeriodFunctions {
  // UTC (the default) without Intl: a prune would otherwise load ICU's zone data for good.
  const wall = wallClockOf(timeZone);
  const localDate = (time: number) => {
    const d = new Date(wall.toWall(time));
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
  };
  return {
    daily: (t) => {
      const d = localDate(t);
      return `${d.year}-${d.month}-${d.day}`;
    },
    weekly: (t) => {
      const d = localDate(t);
      const week = isoWeek(d.year, d.month, d.day);
      return `${week.year}-W${week.week}`;
    },
    monthly: (t) => {
      const d = localDate(t);
      return `${d.year}-${d.month}`;
    },
  };
}

/** ISO 8601 week-numbering year and week (strftime `%G-%V`) of a calendar date. */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7;
  // The Thursday of the same ISO week decides the week-numbering year.
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const weekYear = date.getUTCFullYear();
  const firstDay = Date.UTC(weekYear, 0, 1);
  const week = Math.floor((date.getTime() - firstDay) / 86_400_000 / 7) + 1;
  return { year: weekYear, week };
}
