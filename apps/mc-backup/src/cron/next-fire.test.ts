import fc from 'fast-check';
import cron from 'node-cron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CronSpec, parseCron } from './expression.js';
import { nextFire } from './next-fire.js';
import { wallClockOf } from './wall-clock.js';

const next = (expression: string, after: string, zone = 'UTC') => {
  const at = nextFire(parseCron(expression), Date.parse(after), wallClockOf(zone));
  return at === undefined ? undefined : new Date(at).toISOString();
};

/** Successive fire times, each computed from the one before. */
const fires = (expression: string, after: string, count: number, zone = 'UTC') => {
  const out: string[] = [];
  let t = after;
  for (let i = 0; i < count; i++) {
    t = next(expression, t, zone) as string;
    out.push(t);
  }
  return out;
};

describe('nextFire', () => {
  it.each([
    // [expression, after, zone, next]
    ['0 4 * * *', '2026-06-01T03:59:59.999Z', 'UTC', '2026-06-01T04:00:00.000Z'],
    ['0 4 * * *', '2026-06-01T04:00:00.000Z', 'UTC', '2026-06-02T04:00:00.000Z'],
    ['0 4 * * *', '2026-12-31T05:00:00.000Z', 'UTC', '2027-01-01T04:00:00.000Z'],
    ['*/2 * * * * *', '2026-06-01T04:00:00.500Z', 'UTC', '2026-06-01T04:00:02.000Z'],
    ['*/15 * * * *', '2026-12-31T23:59:00.000Z', 'UTC', '2027-01-01T00:00:00.000Z'],
    // month ends: a day the month lacks is passed over, not moved
    ['0 0 31 * *', '2026-04-15T00:00:00.000Z', 'UTC', '2026-05-31T00:00:00.000Z'],
    ['0 0 31 * *', '2026-05-31T00:00:00.000Z', 'UTC', '2026-07-31T00:00:00.000Z'],
    ['0 0 30 * *', '2026-01-30T12:00:00.000Z', 'UTC', '2026-03-30T00:00:00.000Z'],
    // leap years
    ['0 0 29 2 *', '2026-03-01T00:00:00.000Z', 'UTC', '2028-02-29T00:00:00.000Z'],
    ['0 0 29 2 *', '2096-03-01T00:00:00.000Z', 'UTC', '2104-02-29T00:00:00.000Z'],
    ['0 0 * 2 *', '2028-02-28T12:00:00.000Z', 'UTC', '2028-02-29T00:00:00.000Z'],
    ['0 0 * 2 *', '2027-02-28T12:00:00.000Z', 'UTC', '2028-02-01T00:00:00.000Z'],
    // day of month AND day of week, as node-cron matched them
    ['0 0 29 2 mon', '2026-01-01T00:00:00.000Z', 'UTC', '2044-02-29T00:00:00.000Z'],
    ['0 4 1-7 * 1', '2026-06-01T05:00:00.000Z', 'UTC', '2026-07-06T04:00:00.000Z'],
    ['0 4 13 * fri', '2026-01-01T00:00:00.000Z', 'UTC', '2026-02-13T04:00:00.000Z'],
    ['0 5 * * 0', '2026-06-01T00:00:00.000Z', 'UTC', '2026-06-07T05:00:00.000Z'],
    ['0 5 * * 7', '2026-06-01T00:00:00.000Z', 'UTC', '2026-06-07T05:00:00.000Z'],
    ['0 0 1 1 *', '2026-06-01T00:00:00.000Z', 'UTC', '2027-01-01T00:00:00.000Z'],
    ['30 22-2/2 * * *', '2026-06-01T23:00:00.000Z', 'UTC', '2026-06-02T00:30:00.000Z'],
    // another zone: 04:00 in Tokyo is 19:00 UTC the day before; Kolkata is +05:30
    ['0 4 * * *', '2026-06-01T00:00:00.000Z', 'Asia/Tokyo', '2026-06-01T19:00:00.000Z'],
    ['0 0 * * *', '2026-06-01T00:00:00.000Z', 'Asia/Kolkata', '2026-06-01T18:30:00.000Z'],
    ['0 4 * * *', '2026-06-01T00:00:00.000Z', 'Etc/UTC', '2026-06-01T04:00:00.000Z'],
  ])('%s after %s in %s: %s', (expression, after, zone, expected) => {
    expect(next(expression, after, zone)).toBe(expected);
  });

  describe('DST: a wall time that does not exist is skipped, one that occurs twice fires once (the first)', () => {
    it('Europe/Berlin spring forward (2026-03-29, 02:00 CET -> 03:00 CEST): 02:30 is skipped that day', () => {
      expect(fires('30 2 * * *', '2026-03-28T00:00:00Z', 3, 'Europe/Berlin')).toEqual([
        '2026-03-28T01:30:00.000Z',
        '2026-03-30T00:30:00.000Z',
        '2026-03-31T00:30:00.000Z',
      ]);
      // hourly: 01:00 CET, then 03:00 CEST (02:00 does not exist)
      expect(fires('0 * * * *', '2026-03-28T23:30:00Z', 3, 'Europe/Berlin')).toEqual([
        '2026-03-29T00:00:00.000Z',
        '2026-03-29T01:00:00.000Z',
        '2026-03-29T02:00:00.000Z',
      ]);
    });

    it('Europe/Berlin fall back (2026-10-25, 03:00 CEST -> 02:00 CET): 02:30 fires once, at 02:30 CEST', () => {
      expect(fires('30 2 * * *', '2026-10-24T12:00:00Z', 2, 'Europe/Berlin')).toEqual([
        '2026-10-25T00:30:00.000Z',
        '2026-10-26T01:30:00.000Z',
      ]);
      // every 30 min: the repeated hour (02:00-02:59 CET) does not fire again
      expect(fires('*/30 * * * *', '2026-10-24T23:45:00Z', 4, 'Europe/Berlin')).toEqual([
        '2026-10-25T00:00:00.000Z', // 02:00 CEST
        '2026-10-25T00:30:00.000Z', // 02:30 CEST
        '2026-10-25T02:00:00.000Z', // 03:00 CET
        '2026-10-25T02:30:00.000Z',
      ]);
      // asked from inside the repeated hour (02:10 CET): the next is 03:00 CET
      expect(next('*/30 * * * *', '2026-10-25T01:10:00Z', 'Europe/Berlin')).toBe('2026-10-25T02:00:00.000Z');
    });

    it('America/New_York: 02:30 skipped on 2026-03-08, 01:30 fires once (EDT) on 2026-11-01', () => {
      expect(fires('30 2 * * *', '2026-03-07T08:00:00Z', 2, 'America/New_York')).toEqual([
        '2026-03-09T06:30:00.000Z',
        '2026-03-10T06:30:00.000Z',
      ]);
      expect(fires('30 1 * * *', '2026-10-31T12:00:00Z', 2, 'America/New_York')).toEqual([
        '2026-11-01T05:30:00.000Z',
        '2026-11-02T06:30:00.000Z',
      ]);
    });
  });
});

/** A random expression in the documented grammar, with numbers and names. */
const field = (min: number, max: number, names: string[] = []) => {
  const value = fc.oneof(fc.integer({ min, max }).map(String), ...(names.length > 0 ? [fc.constantFrom(...names)] : []));
  const item = fc.oneof(
    { weight: 3, arbitrary: fc.constant('*') },
    { weight: 3, arbitrary: value },
    { weight: 2, arbitrary: fc.tuple(value, value).map(([a, b]) => `${a}-${b}`) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: max - min + 1 }).map((s) => `*/${s}`) },
    { weight: 1, arbitrary: fc.tuple(value, value, fc.integer({ min: 1, max: 9 })).map(([a, b, s]) => `${a}-${b}/${s}`) },
  );
  return fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => items.join(','));
};
const MONTH_NAMES = ['jan', 'Feb', 'MAR', 'april', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'december'];
const DAY_NAMES = ['sun', 'Mon', 'tue', 'wednesday', 'thu', 'fri', 'SAT'];
const expression = fc
  .tuple(
    fc.option(field(0, 59), { nil: undefined }),
    field(0, 59),
    field(0, 23),
    field(1, 31),
    field(1, 12, MONTH_NAMES),
    field(0, 7, DAY_NAMES),
  )
  .map(([s, ...rest]) => (s === undefined ? rest : [s, ...rest]).join(' '))
  .filter((e) => cron.validate(e));
const instant = fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2031-12-31T00:00:00Z') });

describe('nextFire against node-cron (the matcher it replaces)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each(['UTC', 'Asia/Tokyo', 'Asia/Kolkata'])('the same next three fire times in %s (zones without DST)', (zone) => {
    fc.assert(
      fc.property(expression, instant, (text, after) => {
        const task = cron.createTask(text, () => {}, { timezone: zone });
        try {
          vi.useFakeTimers({ toFake: ['Date'], now: after });
          const theirs = task.getNextRuns(3).map((d) => d.getTime());
          const ours: number[] = [];
          let t = after;
          for (let i = 0; i < 3; i++) {
            t = nextFire(parseCron(text), t, wallClockOf(zone)) as number;
            ours.push(t);
          }
          expect(ours, text).toEqual(theirs);
        } finally {
          vi.useRealTimers();
          task.destroy();
        }
      }),
      { numRuns: zoneRuns(zone) },
    );
  });

  it('accepts exactly what node-cron accepts, for expressions without its Quartz extensions', () => {
    const anything = fc.tuple(
      fc.option(field(0, 61), { nil: undefined }),
      field(0, 61),
      field(0, 25),
      field(0, 33),
      field(0, 13, MONTH_NAMES),
      field(0, 8, DAY_NAMES),
    );
    fc.assert(
      fc.property(anything, ([s, ...rest]) => {
        const text = (s === undefined ? rest : [s, ...rest]).join(' ');
        let ours = true;
        try {
          parseCron(text);
        } catch {
          ours = false;
        }
        expect(ours, text).toBe(cron.validate(text));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('nextFire against a brute-force walk, second by second, over UTC wall time', () => {
  const matches = (spec: CronSpec, t: number) => {
    const d = new Date(t);
    return (
      spec.seconds.includes(d.getUTCSeconds()) &&
      spec.minutes.includes(d.getUTCMinutes()) &&
      spec.hours.includes(d.getUTCHours()) &&
      spec.days.includes(d.getUTCDate()) &&
      spec.months.includes(d.getUTCMonth() + 1) &&
      spec.weekdays.includes(d.getUTCDay())
    );
  };
  // Dense expressions (every day of at least one weekday, every hour) keep the walk short.
  const dense = fc
    .tuple(field(0, 59), field(0, 59), fc.constantFrom('*', '*/2', '1-5', '10,20'), field(0, 7, DAY_NAMES))
    .map(([s, m, h, w]) => `${s} ${m} ${h} * * ${w}`);

  it('finds the first matching second after any instant', () => {
    fc.assert(
      fc.property(dense, instant, (text, after) => {
        const spec = parseCron(text);
        let t = Math.floor(after / 1000) * 1000 + 1000;
        while (!matches(spec, t)) t += 1000;
        expect(nextFire(spec, after, wallClockOf('UTC')), text).toBe(t);
      }),
      { numRuns: 60 },
    );
  });
});

function zoneRuns(zone: string): number {
  // node-cron reads every candidate through Intl: slow enough to keep the run counts modest.
  return zone === 'UTC' ? 300 : 100;
}
