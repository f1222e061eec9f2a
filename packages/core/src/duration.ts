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
 * Defaults: use `.prefault('60s')` (zod 4's `.default()` would skip the parsing and yield the raw text).
 */
export function duration(opts: { min?: number; max?: number } = {}) {
  return z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration; expected ${DURATION_FORM}` });
      return z.NEVER;
    }
    if (opts.min !== undefined && ms < opts.min) {
      ctx.addIssue({ code: 'custom', message: `${text} is shorter than the minimum ${formatDuration(opts.min)}` });
      return z.NEVER;
    }
    if (opts.max !== undefined && ms > opts.max) {
      ctx.addIssue({ code: 'custom', message: `${text} is longer than the maximum ${formatDuration(opts.max)}` });
      return z.NEVER;
    }
    return ms;
  });
}
