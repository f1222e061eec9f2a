import { PERIODS, type Period } from './periods.js';

/** A snapshot the agent made: `<prefix>_<YYYY-MM-DDTHH:MM:SSZ>_<period>`. */
export interface AgentSnapshotName {
  /** The part after `@`. */
  name: string;
  /** Milliseconds since the epoch, from the name (so a simulated clock works on a real pool). */
  time: number;
  period: Period;
}

const STAMP = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$/;

export function formatStamp(time: number): string {
  return `${new Date(Math.floor(time / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

export function snapshotName(prefix: string, time: number, period: Period): string {
  return `${prefix}_${formatStamp(time)}_${period}`;
}

/** Parses a snapshot name (without the dataset); undefined when the agent with this prefix did not make it. */
export function parseSnapshotName(prefix: string, name: string): AgentSnapshotName | undefined {
  if (!name.startsWith(`${prefix}_`)) return undefined;
  const rest = name.slice(prefix.length + 1);
  const cut = rest.lastIndexOf('_');
  if (cut < 0) return undefined;
  const period = rest.slice(cut + 1) as Period;
  if (!PERIODS.includes(period)) return undefined;
  const stamp = STAMP.exec(rest.slice(0, cut));
  if (!stamp) return undefined;
  const [, y, mo, d, h, mi, s] = stamp.map(Number) as number[];
  const time = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
  if (Number.isNaN(time) || formatStamp(time) !== rest.slice(0, cut)) return undefined;
  return { name, time, period };
}
