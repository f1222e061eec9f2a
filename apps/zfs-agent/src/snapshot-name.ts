import { PERIODS, type Period } from './periods.js';

/** A snapshot the agent made: `<prefix>_<YYYY-MM-DDTHH:MM:SSZ>_<period>`. */
export interface AgentSnapshotName {
  /** The part after `@`. */
  name: string;
  /** Milliseconds since the epoch, from the name (so a simulated clock works on a real pool). */
  time: number;
  period: Period;
}

export function formatStamp(time: number): string {
  return `${new Date(Math.floor(time / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

export function snapshotName(prefix: string, time: number, period: Period): string {
  return `${prefix}_${formatStamp(time)}_${period}`;
}

/** Parses a snapshot name (without the dataset); undefined when the agent with this prefix did not make it. */
export function parseSnapshotName(prefix: string, name: string): AgentSnapshotName | undefined {
  const period = periodOf(name);
  if (period === undefined) return undefined;
  const time = agentTime(prefix, name, period);
  return time < 0 ? undefined : { name, time, period };
}

/** The period a name ends with (`_hourly`), without allocating. */
export function periodOf(name: string): Period | undefined {
  for (const period of PERIODS) {
    if (name.endsWith(period) && name.charCodeAt(name.length - period.length - 1) === 95 /* _ */) return period;
  }
  return undefined;
}

/**
 * The time in an agent snapshot name ending in `_<period>`, or -1 when the agent with this prefix
 * did not make it. The hot path of planning (100,000s of names): no regex, no Date, no objects.
 */
export function agentTime(prefix: string, name: string, period: Period): number {
  if (!name.startsWith(prefix) || name.charCodeAt(prefix.length) !== 95 /* _ */) return -1;
  // The stamp is fixed-width: YYYY-MM-DDTHH:MM:SSZ (20 characters).
  const at = prefix.length + 1;
  if (name.length - period.length - 1 - at !== 20 || name.charCodeAt(at + 19) !== 90 /* Z */) return -1;
  const y = digits(name, at, 4);
  const mo = digits(name, at + 5, 2);
  const d = digits(name, at + 8, 2);
  const h = digits(name, at + 11, 2);
  const mi = digits(name, at + 14, 2);
  const sec = digits(name, at + 17, 2);
  if (name[at + 4] !== '-' || name[at + 7] !== '-' || name[at + 10] !== 'T' || name[at + 13] !== ':' || name[at + 16] !== ':') return -1;
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return -1;
  return Date.UTC(y, mo - 1, d, h, mi, sec);
}

/** The number written with `count` decimal digits at `from`; -1 when one is not a digit. */
function digits(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function daysIn(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}
