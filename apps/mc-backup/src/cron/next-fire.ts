import type { CronSpec } from './expression.js';
import type { WallClock } from './wall-clock.js';

/**
 * The first instant strictly after `after` (at whole seconds) whose wall time in the zone matches
 * the spec. Pure. Every field must match: the day of month AND the day of week, as node-cron matched
 * them (cron(5) takes either when both are restricted). Around DST: a wall time that does not exist
 * (the hour skipped in spring) is skipped; a wall time that occurs twice (the hour repeated in
 * autumn) fires once, at its first occurrence. undefined: no match within 400 years (the parser
 * rejects expressions that can never match).
 */
export function nextFire(spec: CronSpec, after: number, clock: WallClock): number | undefined {
  let wall = Math.floor(clock.toWall(after) / 1000) * 1000 + 1000;
  // Bounded by the wall seconds of one skipped or repeated hour, plus the walk itself.
  for (let guard = 0; guard < 10_000; guard++) {
    const match = nextWallMatch(spec, wall);
    if (match === undefined) return undefined;
    const first = clock.toInstants(match)[0];
    if (first !== undefined && first > after) return first;
    wall = match + 1000;
  }
  return undefined;
}

/** The first wall time at or after `from` (whole seconds) matching every field. */
function nextWallMatch(spec: CronSpec, from: number): number | undefined {
  let t = from;
  const lastYear = new Date(from).getUTCFullYear() + 400;
  for (;;) {
    const d = new Date(t);
    const [year, month, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    if (year > lastYear) return undefined;
    const m = firstAtLeast(spec.months, month);
    if (m !== month) {
      t = m === undefined ? Date.UTC(year + 1, (spec.months[0] as number) - 1, 1) : Date.UTC(year, m - 1, 1);
      continue;
    }
    if (!spec.days.includes(day) || !spec.weekdays.includes(d.getUTCDay())) {
      t = Date.UTC(year, month - 1, day + 1);
      continue;
    }
    const h = firstAtLeast(spec.hours, d.getUTCHours());
    if (h === undefined) {
      t = Date.UTC(year, month - 1, day + 1);
      continue;
    }
    if (h !== d.getUTCHours()) {
      t = Date.UTC(year, month - 1, day, h);
      continue;
    }
    const min = firstAtLeast(spec.minutes, d.getUTCMinutes());
    if (min === undefined) {
      t = Date.UTC(year, month - 1, day, h + 1);
      continue;
    }
    if (min !== d.getUTCMinutes()) {
      t = Date.UTC(year, month - 1, day, h, min);
      continue;
    }
    const s = firstAtLeast(spec.seconds, d.getUTCSeconds());
    if (s === undefined) {
      t = Date.UTC(year, month - 1, day, h, min + 1);
      continue;
    }
    return Date.UTC(year, month - 1, day, h, min, s);
  }
}

const firstAtLeast = (sorted: number[], value: number) => sorted.find((v) => v >= value);
