/**
 * Wall-clock time of a zone as "wall milliseconds": the local date and time written as if it were
 * UTC (`Date.UTC(year, month - 1, day, hour, minute, second)`), so calendar arithmetic is plain UTC
 * Date arithmetic. UTC is the identity and never touches `Intl`: the first `Intl` object loads ICU's
 * data and zone tables, about 7.5 MiB kept for the life of the process. Another zone creates its
 * formatter on first use.
 */
export interface WallClock {
  readonly timeZone: string;
  /** The wall time at an instant. */
  toWall(instant: number): number;
  /** The instants showing a wall time, ascending: none in a DST gap, two in a repeated hour. */
  toInstants(wall: number): number[];
}

const DAY_MS = 86_400_000;

const utc = (timeZone: string): WallClock => ({ timeZone, toWall: (t) => t, toInstants: (w) => [w] });

/** Whether a zone name needs no `Intl` (UTC under the names people write for it). */
export const isUtc = (timeZone: string) => timeZone === 'UTC' || timeZone === 'Etc/UTC';

export function wallClockOf(timeZone: string): WallClock {
  if (isUtc(timeZone)) return utc(timeZone);
  let format: Intl.DateTimeFormat | undefined;
  const toWall = (instant: number): number => {
    format ??= new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    const part: Record<string, number> = {};
    for (const p of format.formatToParts(instant)) if (p.type !== 'literal') part[p.type] = Number(p.value);
    const ms = ((instant % 1000) + 1000) % 1000;
    return Date.UTC(part.year ?? 0, (part.month ?? 1) - 1, part.day, part.hour, part.minute, part.second) + ms;
  };
  return {
    timeZone,
    toWall,
    toInstants(wall) {
      // The offsets a day either side: a zone changes its offset at most once in two days.
      const offsets = new Set([toWall(wall - DAY_MS) - (wall - DAY_MS), toWall(wall + DAY_MS) - (wall + DAY_MS)]);
      const instants = [...offsets].map((offset) => wall - offset).filter((t) => toWall(t) === wall);
      return [...new Set(instants)].sort((a, b) => a - b);
    },
  };
}
