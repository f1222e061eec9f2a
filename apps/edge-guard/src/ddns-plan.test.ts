import { describe, expect, it } from 'vitest';
import { diffAdmitted, planAdmitted, refreshAfter } from './ddns-plan.js';

const H = 3_600_000;

describe('DDNS planning', () => {
  it.each([
    [300, 300_000],
    [1, 30_000],
    [86_400, H],
    [undefined, 30_000],
  ])('a TTL of %s s is trusted for %i ms (clamped to 30 s..1 h)', (ttl, ms) => {
    expect(refreshAfter(ttl, 30_000, H)).toBe(ms);
  });

  const names = {
    'alice.ddns.test': { addresses: ['198.51.100.2', '2001:db8::2'], lastOk: 10 * H },
    'bob.ddns.test': { addresses: ['198.51.100.3'], lastOk: 4 * H },
    'carol.ddns.test': { addresses: ['198.51.100.2'], lastOk: 10 * H },
  };

  it.each([
    { what: 'all answering', failing: [], now: 10 * H, addresses: ['198.51.100.2', '198.51.100.3', '2001:db8::2'], stale: [], expired: [] },
    {
      what: 'bob failing inside the grace period',
      failing: ['bob.ddns.test'],
      now: 9 * H,
      addresses: ['198.51.100.2', '198.51.100.3', '2001:db8::2'],
      stale: ['bob.ddns.test'],
      expired: [],
    },
    {
      what: 'bob failing past the grace period',
      failing: ['bob.ddns.test'],
      now: 10.5 * H,
      addresses: ['198.51.100.2', '2001:db8::2'],
      stale: [],
      expired: ['bob.ddns.test'],
    },
  ])('$what', ({ failing, now, addresses, stale, expired }) => {
    expect(planAdmitted(names, new Set(failing), now, 6 * H)).toEqual({ addresses, stale, expired });
  });

  it('adds before it removes, and lists only real changes', () => {
    expect(diffAdmitted(new Set(['198.51.100.2', '198.51.100.9']), ['198.51.100.2', '198.51.100.3'])).toEqual({
      added: ['198.51.100.3'],
      removed: ['198.51.100.9'],
    });
  });
});
