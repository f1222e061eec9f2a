import { describe, expect, it } from 'vitest';
import { duration, formatDuration, MAX_DURATION_MS, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['60s', 60_000],
    ['10m', 600_000],
    ['26h', 93_600_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
    ['1.5s', 1_500],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '60', 's', '-5s', '5 seconds', '5x', '1e3s'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats in the largest exact unit', () => {
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(1_500)).toBe('1500ms');
  });
});

describe('duration schema', () => {
  it('turns text into ms and names the expected form on error', () => {
    expect(duration().parse('60s')).toBe(60_000);
    const result = duration().safeParse('soon');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('500ms, 60s, 10m, 26h, 7d');
  });

  it('enforces bounds', () => {
    expect(duration({ min: 1_000 }).safeParse('500ms').success).toBe(false);
    expect(duration({ max: 60_000 }).safeParse('2m').success).toBe(false);
    expect(duration({ min: 1_000, max: 60_000 }).parse('30s')).toBe(30_000);
  });
});

describe('duration schema default bounds', () => {
  it('refuses anything past MAX_DURATION_MS (Node timers overflow at 2^31-1 ms) and names the limit', () => {
    expect(MAX_DURATION_MS).toBeLessThan(2 ** 31);
    expect(duration().parse('24d')).toBe(MAX_DURATION_MS);
    expect(duration().safeParse('30d').error?.issues[0]?.message).toBe('30d is longer than the maximum 24d');
    expect(duration({ max: 40 * 86_400_000 }).safeParse('30d').success).toBe(false);
  });

  it('refuses zero unless the setting opts in', () => {
    expect(duration().safeParse('0s').success).toBe(false);
    expect(duration({ min: 0 }).parse('0s')).toBe(0);
  });
});
