import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../config.js';
import { planRetention } from '../retention.js';
import { parseCron } from './expression.js';
import { nextFire } from './next-fire.js';
import { wallClockOf } from './wall-clock.js';

const archives = Array.from({ length: 40 }, (_, i) => ({
  name: `world-${i}`,
  time: Date.parse('2026-03-01T04:00:00Z') + i * 86_400_000,
}));

/** Counts the `Intl.DateTimeFormat` objects created, still creating real ones. */
const countIntl = () => {
  const Original = Intl.DateTimeFormat;
  return vi.spyOn(Intl, 'DateTimeFormat').mockImplementation(function (this: unknown, ...args) {
    return new Original(...args);
  } as typeof Intl.DateTimeFormat);
};

describe('wallClockOf', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('UTC (the default) never creates an Intl object: config, schedule and retention (ICU stays unloaded)', () => {
    const intl = countIntl();
    expect(loadSettings({ BORG_REPO: '/srv/borg', BACKUP_TZ: 'UTC' }).settings.timeZone).toBe('UTC');
    const { settings } = loadSettings({ BORG_REPO: '/srv/borg' });
    expect(settings.timeZone).toBe('UTC');
    const wall = wallClockOf(settings.timeZone);
    expect(nextFire(parseCron(settings.schedule), Date.parse('2026-06-01T00:00:00Z'), wall)).toBe(Date.parse('2026-06-01T04:00:00Z'));
    expect(planRetention(archives, { daily: 7, weekly: 4, monthly: 6 }, 'UTC').keep.length).toBeGreaterThan(7);
    expect(intl).not.toHaveBeenCalled();
  });

  it('another zone creates one formatter, on first use, and reads wall time through it', () => {
    const intl = countIntl();
    const { settings } = loadSettings({ BORG_REPO: '/srv/borg', BACKUP_TZ: 'Europe/Berlin' });
    intl.mockClear(); // the config check of the zone name
    const wall = wallClockOf(settings.timeZone);
    expect(intl).not.toHaveBeenCalled();
    expect(new Date(wall.toWall(Date.parse('2026-07-01T10:00:00.250Z'))).toISOString()).toBe('2026-07-01T12:00:00.250Z');
    expect(wall.toInstants(Date.parse('2026-03-29T02:30:00Z'))).toEqual([]);
    expect(wall.toInstants(Date.parse('2026-10-25T02:30:00Z'))).toEqual([
      Date.parse('2026-10-25T00:30:00Z'),
      Date.parse('2026-10-25T01:30:00Z'),
    ]);
    expect(intl).toHaveBeenCalledTimes(1);
  });

  it('an unknown zone is refused by the config check, naming the key', () => {
    expect(() => loadSettings({ BORG_REPO: '/srv/borg', BACKUP_TZ: 'Mars/Olympus' })).toThrow(/BACKUP_TZ: unknown time zone/);
  });
});
