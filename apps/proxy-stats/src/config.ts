import { isAbsolute, normalize } from 'node:path';
import { ConfigError, type ConfigIssue, commonEnvShape, configValues, duration, type EnvDoc } from '@homelab/core';
import { z } from 'zod';
import type { ScheduleSettings } from './schedule.js';

/** Node timers overflow past ~24.8 days; no setting of ours needs more than a day. */
const DAY = 86_400_000;

const absolutePath = () =>
  z.string().refine((v) => isAbsolute(v) && normalize(v) === v && !v.includes('\n'), { message: 'expected an absolute, normalised path' });

/** The report title reaches GoAccess's argv and the HTML page: a strict, boring grammar. */
export const TITLE = /^[A-Za-z0-9][A-Za-z0-9 .,:_()/-]{0,79}$/;

/** Env config of proxy-stats (prefix STATS_). */
export const envSchema = z.object({
  ...commonEnvShape,
  STATS_LOG: absolutePath().default('/var/log/caddy/access.log'),
  STATS_DATA: absolutePath().default('/var/lib/proxy-stats'),
  STATS_GOACCESS: z
    .string()
    .regex(/^[A-Za-z0-9._/-]+$/, 'expected a program name or path (letters, digits, . _ / -)')
    .default('goaccess'),
  STATS_TITLE: z.string().regex(TITLE, 'expected 1-80 letters, digits, spaces or . , : _ ( ) / -').default('reverse proxy statistics'),
  STATS_POLL: duration({ min: 100, max: 10 * 60_000 }).prefault('5s'),
  STATS_DEBOUNCE: duration({ min: 0, max: DAY }).prefault('10s'),
  STATS_MAX_WAIT: duration({ min: 1_000, max: DAY }).prefault('1m'),
  STATS_INTERVAL: duration({ min: 1_000, max: DAY }).prefault('10m'),
  STATS_RUN_TIMEOUT: duration({ min: 1_000, max: DAY }).prefault('5m'),
  STATS_RETRY_MIN: duration({ min: 100, max: DAY }).prefault('10s'),
  STATS_RETRY_MAX: duration({ min: 100, max: DAY }).prefault('10m'),
  STATS_STALE_AFTER: duration({ min: 1_000, max: 7 * DAY }).prefault('30m'),
  STATS_RELEASE_GRACE: duration({ min: 0, max: DAY }).prefault('1m'),
  STATS_KEEP_DAYS: configValues.int(1, 3650).optional(),
});
export type ProxyStatsConfig = z.output<typeof envSchema>;

export const envPrefixes = ['STATS_'] as const;

export const envDocs: EnvDoc[] = [
  { name: 'STATS_LOG', description: "Caddy's JSON access log (read only)", default: '/var/log/caddy/access.log' },
  {
    name: 'STATS_DATA',
    description: 'persistent folder: GoAccess database (db), staging, published report (current)',
    default: '/var/lib/proxy-stats',
  },
  { name: 'STATS_GOACCESS', description: 'the GoAccess program', default: 'goaccess' },
  { name: 'STATS_TITLE', description: 'report title (1-80 letters, digits, spaces, . , : _ ( ) / -)', default: 'reverse proxy statistics' },
  { name: 'STATS_POLL', description: 'how often the log is checked for new lines', default: '5s' },
  { name: 'STATS_DEBOUNCE', description: 'quiet time after the last new line before a run', default: '10s' },
  { name: 'STATS_MAX_WAIT', description: 'longest wait after the first new line of a busy log', default: '1m' },
  { name: 'STATS_INTERVAL', description: 'a run at least this often, even when the log is quiet', default: '10m' },
  { name: 'STATS_RUN_TIMEOUT', description: 'a GoAccess run taking longer is killed', default: '5m' },
  { name: 'STATS_RETRY_MIN', description: 'first retry delay after a failed run (doubles)', default: '10s' },
  { name: 'STATS_RETRY_MAX', description: 'longest retry delay', default: '10m' },
  { name: 'STATS_STALE_AFTER', description: 'not ready when the last good run is older than this', default: '30m' },
  { name: 'STATS_RELEASE_GRACE', description: 'how long a replaced report stays for readers', default: '1m' },
  { name: 'STATS_KEEP_DAYS', description: "keep only this many days in GoAccess's database (--keep-last)", default: 'all' },
];

/** Cross-field rules the schema cannot say per key. */
export function checkConfig(config: ProxyStatsConfig): ProxyStatsConfig {
  const issues: ConfigIssue[] = [];
  if (config.STATS_RETRY_MAX < config.STATS_RETRY_MIN)
    issues.push({ key: 'STATS_RETRY_MAX', problem: 'is shorter than STATS_RETRY_MIN', expected: 'at least STATS_RETRY_MIN' });
  if (config.STATS_STALE_AFTER <= config.STATS_INTERVAL)
    issues.push({ key: 'STATS_STALE_AFTER', problem: 'is not longer than STATS_INTERVAL', expected: 'longer than STATS_INTERVAL' });
  if (config.STATS_LOG.startsWith(`${config.STATS_DATA}/`))
    issues.push({ key: 'STATS_LOG', problem: 'is inside STATS_DATA', expected: 'a log outside the data folder' });
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

export function scheduleSettings(config: ProxyStatsConfig): ScheduleSettings {
  return {
    debounceMs: config.STATS_DEBOUNCE,
    maxWaitMs: config.STATS_MAX_WAIT,
    intervalMs: config.STATS_INTERVAL,
    retryMinMs: config.STATS_RETRY_MIN,
    retryMaxMs: config.STATS_RETRY_MAX,
  };
}
