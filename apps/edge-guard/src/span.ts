import { DURATION_FORM, formatDuration, parseDuration } from '@homelab/core';
import { z } from 'zod';

export const DAY = 86_400_000;

/**
 * A span of log time (a ban's length, how long an offender is remembered, a DNS grace period):
 * compared with timestamps, never handed to a Node timer, so it may exceed the timer limit.
 */
export function span(min: number, max: number) {
  return z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration; expected ${DURATION_FORM}` });
    else if (ms < min) ctx.addIssue({ code: 'custom', message: `${text} is shorter than the minimum ${formatDuration(min)}` });
    else if (ms > max) ctx.addIssue({ code: 'custom', message: `${text} is longer than the maximum ${formatDuration(max)}` });
    return ms ?? 0;
  });
}
