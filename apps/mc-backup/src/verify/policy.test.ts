import { describe, expect, it } from 'vitest';
import { DAY_MS, verifyDue } from './policy.js';

const NOW = Date.UTC(2026, 11, 2, 4);

describe('verifyDue', () => {
  it.each([
    ['off', undefined, false],
    ['off', NOW - 10 * DAY_MS, false],
    ['after-run', NOW - 1000, true],
    ['daily', undefined, true],
    ['daily', NOW - DAY_MS + 60_000, false],
    ['daily', NOW - DAY_MS, true],
    ['daily', NOW + 3_600_000, true],
  ] as const)('%s with the last verification at %s: %s', (mode, last, due) => {
    expect(verifyDue(mode, last, NOW)).toBe(due);
  });
});
