/**
 * BACKUP_SCHEDULE's grammar, parsed into the sets of values each field allows. It is the syntax
 * node-cron accepted before (the README's table), without node-cron's Quartz extensions (L, W, #):
 * five fields `minute hour day-of-month month day-of-week`, or six with a leading `second`; each
 * field a comma list of `*`, `N`, `A-B` (wrapping when A > B, as `22-2`), `*` or a range with
 * `/STEP`; month and weekday names (`jan`, `january`, `mon`, `monday`, any case); 0 or 7 is Sunday;
 * `?` alone means `*` in the two day fields; and the nicknames `@yearly` ... `@hourly`.
 */
export interface CronSpec {
  /** Sorted ascending, no duplicates. */
  seconds: number[];
  minutes: number[];
  hours: number[];
  /** 1-31 */
  days: number[];
  /** 1-12 */
  months: number[];
  /** 0-6, Sunday 0 */
  weekdays: number[];
}

export class CronSyntaxError extends Error {
  override name = 'CronSyntaxError';
}

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const WEEKDAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

interface Field {
  label: string;
  min: number;
  max: number;
  /** Lower-case name -> value. */
  names?: Map<string, number>;
}

const named = (short: string[], long: string[], first: number) =>
  new Map([...short.map((n, i) => [n, i + first] as const), ...long.map((n, i) => [n, i + first] as const)]);

const FIELDS: Field[] = [
  { label: 'second', min: 0, max: 59 },
  { label: 'minute', min: 0, max: 59 },
  { label: 'hour', min: 0, max: 23 },
  { label: 'day of month', min: 1, max: 31 },
  { label: 'month', min: 1, max: 12, names: named(MONTHS, MONTH_NAMES, 1) },
  // 7 is Sunday too; a wrapping range counts in 0-6 (`5-1` is Fri..Mon).
  { label: 'day of week', min: 0, max: 7, names: named(WEEKDAYS, WEEKDAY_NAMES, 0) },
];

/** Longest day of each month in any year (February 29). */
const MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Parses a cron expression; throws CronSyntaxError saying which field is wrong. */
export function parseCron(expression: string): CronSpec {
  const text = NICKNAMES[expression.trim().toLowerCase()] ?? expression;
  if (!/^[a-zA-Z0-9*/,? -]*$/.test(text)) throw new CronSyntaxError(`"${expression}" has a character cron does not use`);
  const raw = text.trim() === '' ? [] : text.trim().split(/ +/);
  if (raw.length !== 5 && raw.length !== 6) throw new CronSyntaxError(`expected 5 or 6 fields, got ${raw.length}`);
  const fields = raw.length === 5 ? ['0', ...raw] : raw;
  const [seconds, minutes, hours, days, months, weekdays] = fields.map((f, i) => parseField(f, FIELDS[i] as Field, i === 3 || i === 5));
  const spec: CronSpec = {
    seconds: seconds as number[],
    minutes: minutes as number[],
    hours: hours as number[],
    days: days as number[],
    months: months as number[],
    weekdays: sorted((weekdays as number[]).map((d) => d % 7)),
  };
  if (!spec.months.some((m) => spec.days.some((d) => d <= (MAX_DAYS[m - 1] as number)))) {
    throw new CronSyntaxError(`day of month ${fields[3]} never falls in month ${fields[4]}`);
  }
  return spec;
}

function parseField(text: string, field: Field, questionMark: boolean): number[] {
  if (questionMark && text === '?') return range(field.min, field.label === 'day of week' ? 6 : field.max);
  const values: number[] = [];
  for (const item of text.split(',')) {
    const match = /^(\*|[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)?)(?:\/(\d+))?$/.exec(item);
    if (!match) throw invalid(text, field);
    const [, base = '', stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1 || (stepText !== undefined && base !== '*' && !base.includes('-'))) throw invalid(text, field);
    // `*` in the day of week field is 0-6: Sunday once.
    const top = field.label === 'day of week' ? 6 : field.max;
    const [first, last] = base === '*' ? [field.min, top] : base.split('-').map((v) => fieldValue(v, text, field));
    const end = last ?? first;
    if (first === undefined || end === undefined) throw invalid(text, field);
    if (first <= end) {
      for (let v = first; v <= end; v += step) values.push(v);
    } else {
      // A wrapping range, as node-cron read it: A..max then min..B.
      const size = top - field.min + 1;
      const span = (((end - first) % size) + size) % size;
      for (let offset = 0; offset <= span; offset += step) values.push(first + offset > top ? first + offset - size : first + offset);
    }
  }
  if (values.some((v) => v < field.min || v > field.max)) throw invalid(text, field);
  return sorted(values);
}

function fieldValue(text: string, whole: string, field: Field): number {
  if (/^\d+$/.test(text)) return Number(text);
  const value = field.names?.get(text.toLowerCase());
  if (value === undefined) throw invalid(whole, field);
  return value;
}

const invalid = (text: string, field: Field) =>
  new CronSyntaxError(
    `"${text}" is not a ${field.label}; expected ${field.min}-${field.max}${field.names ? ' or a name' : ''}, a range or a list`,
  );

const range = (min: number, max: number) => Array.from({ length: max - min + 1 }, (_, i) => min + i);
const sorted = (values: number[]) => [...new Set(values)].sort((a, b) => a - b);
