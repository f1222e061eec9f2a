import cron from 'node-cron';
import { describe, expect, it } from 'vitest';
import { CronSyntaxError, parseCron } from './expression.js';

const all = (min: number, max: number) => Array.from({ length: max - min + 1 }, (_, i) => min + i);

describe('parseCron', () => {
  it.each([
    ['0 4 * * *', { seconds: [0], minutes: [0], hours: [4], days: all(1, 31), months: all(1, 12), weekdays: all(0, 6) }],
    ['*/2 * * * * *', { seconds: all(0, 29).map((i) => i * 2), minutes: all(0, 59), hours: all(0, 23) }],
    ['0 0-30/10 22-2 * * *', { seconds: [0], minutes: [0, 10, 20, 30], hours: [0, 1, 2, 22, 23] }],
    ['5,10,5 1 1,15 jan,Jul *', { minutes: [5, 10], hours: [1], days: [1, 15], months: [1, 7] }],
    ['0 4 * FEBRUARY-apr mon-fri', { months: [2, 3, 4], weekdays: [1, 2, 3, 4, 5] }],
    ['0 4 * * 7', { weekdays: [0] }],
    ['0 4 * * 5-7', { weekdays: [0, 5, 6] }],
    ['0 4 * * fri-mon', { weekdays: [0, 1, 5, 6] }],
    ['0 4 * * */3', { weekdays: [0, 3, 6] }],
    ['0 4 ? * sunday', { days: all(1, 31), weekdays: [0] }],
    ['0 4 1 * ?', { days: [1], weekdays: all(0, 6) }],
    ['  0   4  *  *  *  ', { minutes: [0], hours: [4] }],
    ['0 0 29 2 *', { days: [29], months: [2] }],
    ['0 0 30,31 * *', { days: [30, 31], months: all(1, 12) }],
    ['@daily', { seconds: [0], minutes: [0], hours: [0], days: all(1, 31) }],
    ['@Weekly', { minutes: [0], hours: [0], weekdays: [0] }],
    ['@hourly', { minutes: [0], hours: all(0, 23) }],
    ['@yearly', { days: [1], months: [1] }],
  ])('%j', (expression, expected) => {
    expect(parseCron(expression)).toMatchObject(expected);
    expect(cron.validate(expression), 'node-cron accepted it too').toBe(true);
  });

  it.each([
    ['', /expected 5 or 6 fields, got 0/],
    ['0 4 * *', /expected 5 or 6 fields, got 4/],
    ['0 0 4 * * * *', /expected 5 or 6 fields, got 7/],
    ['every day', /expected 5 or 6 fields, got 2/],
    ['60 * * * *', /"60" is not a minute; expected 0-59/],
    ['0 24 * * *', /"24" is not a hour/],
    ['0 4 0 * *', /"0" is not a day of month; expected 1-31/],
    ['0 4 32 * *', /not a day of month/],
    ['0 4 * 13 *', /"13" is not a month; expected 1-12 or a name/],
    ['0 4 * * 8', /"8" is not a day of week; expected 0-7 or a name/],
    ['0 4 * * mo', /not a day of week/],
    ['0 4 * jan-x *', /not a month/],
    ['*/0 * * * *', /not a minute/],
    ['5/15 * * * *', /not a minute/],
    ['1,,2 * * * *', /not a minute/],
    ['0-60 * * * *', /not a minute/],
    ['? * * * *', /not a minute/],
    ['0 4 * * 1#2', /character cron does not use/],
    ['0 4 L * *', /not a day of month/],
    ['0 4 15W * *', /not a day of month/],
    ['0\t4 * * *', /character cron does not use/],
    ['0 4 * * *;', /character cron does not use/],
    ['@reboot', /character cron does not use/],
    ['0 0 30 2 *', /day of month 30 never falls in month 2/],
    ['0 0 31 apr,jun,sep,nov *', /never falls/],
  ])('%j is refused', (expression, message) => {
    expect(() => parseCron(expression)).toThrow(CronSyntaxError);
    expect(() => parseCron(expression)).toThrow(message);
  });

  it('refuses what node-cron refused (the Quartz extensions L, W and # aside)', () => {
    const refused = ['', '0 4 * *', '60 * * * *', '0 24 * * *', '0 4 0 * *', '0 4 * 13 *', '0 4 * * 8', '*/0 * * * *', '5/15 * * * *'];
    refused.push('1,,2 * * * *', '0-60 * * * *', '0\t4 * * *', '@reboot', '0 0 30 2 *', '0 0 31 apr,jun,sep,nov *');
    for (const expression of refused) expect(cron.validate(expression), expression).toBe(false);
  });
});
