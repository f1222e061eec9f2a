import { z } from 'zod';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

export const DURATION_FORM = 'a number with a unit: 500ms, 60s, 10m, 26h, 7d';

/**
 * The longest duration any setting accepts: 24 days. Node timers overflow above 2^31-1 ms (about 24.8
 * days) and then fire after 1 ms, so a longer timeout would turn into "time out at once".
 */
export const MAX_DURATION_MS = 24 * 86_400_000;

/** Parses `500ms`, `60s`, `10m`, `26h`, `7d`, `2w` into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Math.round(Number(amount) * (UNIT_MS[unit as string] ?? Number.NaN));
}

/** Formats milliseconds in the largest unit that divides them evenly (`90000` -> `90s`). */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] as number;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * A zod schema for a duration string; the parsed value is milliseconds.
 * Bounds: `min` defaults to 1 ms (pass `{ min: 0 }` where zero has a documented meaning), `max` to
 * MAX_DURATION_MS and never exceeds it.
 * Defaults: use `.prefault('60s')` (zod 4's `.default()` would skip the parsing and yield the raw text).
 */
export function duration(bounds: { min?: number; max?: number } = {}) {
  const opts = { min: bounds.min ?? 1, max: Math.min(bounds.max ?? MAX_DURATION_MS, MAX_DURATION_MS) };
  return z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration; expected ${DURATION_FORM}` });
      return z.NEVER;
    }
    if (ms < opts.min) {
      const message =
        opts.min === 1
          ? `${text} is not allowed; expected at least 1ms`
          : `${text} is shorter than the minimum ${formatDuration(opts.min)}`;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    if (ms > opts.max) {
      ctx.addIssue({ code: 'custom', message: `${text} is longer than the maximum ${formatDuration(opts.max)}` });
      return z.NEVER;
    }
    return ms;
  });
}
