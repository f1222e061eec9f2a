import { isAbsolute, resolve } from 'node:path';
import {
  ConfigError,
  type ConfigIssue,
  commonEnvShape,
  configValues,
  duration,
  type EnvDoc,
  isWithin,
  loadSidecarEnv,
  type SidecarEnv,
} from '@homelab/core';
import * as z from 'zod';
import { parseCron } from './cron/expression.js';
import { isUtc } from './cron/wall-clock.js';
import type { Announce } from './sequence.js';

export const DEFAULT_EXCLUDES = ['session.lock', '*.tmp', '*~'];

const isCron = (text: string) => {
  try {
    parseCron(text);
    return true;
  } catch {
    return false;
  }
};

const cronExpr = (key: string) =>
  z.string().refine(isCron, { message: `not a cron expression; expected five or six fields such as "0 4 * * *" (${key})` });

const timeZone = z.string().refine(
  (tz) => {
    // UTC (the default) is checked without Intl, which would load ICU's zone data for good.
    if (isUtc(tz)) return true;
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'unknown time zone; expected an IANA name such as UTC or Europe/Berlin' },
);

const absPath = z.string().refine((v) => isAbsolute(v), { message: 'expected an absolute path' });
const keep = () => configValues.int(0, 100_000);

export const envSchema = z.object({
  ...commonEnvShape,
  BACKUP_RCON_SOCKET: z
    .string()
    .refine((v) => v.startsWith('/') || /^[\w.-]+:\d{1,5}$/.test(v), { message: 'expected an absolute unix socket path or host:port' })
    .default('/run/rcon/backup.sock'),
  BACKUP_RCON_PASSWORD: z.string().optional(),
  BACKUP_SOURCE: absPath.default('/data/world'),
  BACKUP_STAGING: z
    .string()
    .refine((v) => v === 'none' || isAbsolute(v), { message: 'expected an absolute path, or none' })
    .default('/var/lib/mc-backup/staging'),
  BACKUP_STATE_DIR: absPath.default('/var/lib/mc-backup'),
  BACKUP_SCHEDULE: cronExpr('BACKUP_SCHEDULE').default('0 4 * * *'),
  BACKUP_TZ: timeZone.default('UTC'),
  BACKUP_KEEP_DAILY: keep().default(7),
  BACKUP_KEEP_WEEKLY: keep().default(4),
  BACKUP_KEEP_MONTHLY: keep().default(6),
  BACKUP_CHECK_SCHEDULE: cronExpr('BACKUP_CHECK_SCHEDULE').optional(),
  BACKUP_MAX_AGE: duration({ min: 60_000 }).default(26 * 3_600_000),
  BACKUP_NOTIFY_URL: z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' }).optional(),
  BACKUP_NOTIFY_ON: z.enum(['always', 'failure']).default('always'),
  BACKUP_ANNOUNCE: z.enum(['say', 'tellraw', 'off']).default('say'),
  BACKUP_ARCHIVE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, dot, dash or underscore')
    .default('world'),
  BACKUP_EXCLUDE: z.string().optional(),
  BACKUP_COMPRESSION: z.string().default('zstd,3'),
  BACKUP_RCON_TIMEOUT: duration({ min: 100 }).default(10_000),
  BACKUP_FLUSH_TIMEOUT: duration({ min: 100 }).default(120_000),
  BACKUP_RESUME_TIMEOUT: duration({ min: 100 }).default(30_000),
  BACKUP_BORG_TIMEOUT: duration({ min: 1_000 }).default(6 * 3_600_000),
  BACKUP_LOCK_WAIT: duration({ min: 0, max: 3_600_000 }).default(30_000),
  BACKUP_MODE: z.enum(['always', 'if-played', 'after-leave']).default('always'),
  BACKUP_LOG_SOCKET: absPath.optional(),
  BACKUP_AFTER_LEAVE_DELAY: duration({ min: 1_000, max: 24 * 3_600_000 }).default(10 * 60_000),
  BACKUP_MIN_INTERVAL: duration({ min: 0, max: 7 * 24 * 3_600_000 }).default(3_600_000),
  BACKUP_VERIFY: z.enum(['after-run', 'daily', 'off']).default('off'),
  BACKUP_VERIFY_DIR: absPath.optional(),
  BACKUP_BORG_BIN: z.string().default('borg'),
  BACKUP_RSYNC_BIN: z.string().default('rsync'),
  BORG_REPO: z.string().min(1),
  BORG_PASSPHRASE: z.string().optional(),
  BORG_PASSCOMMAND: z.string().optional(),
  BORG_HOST_ID: z.string().regex(/^\S+$/, 'expected a non-empty id without spaces').default('mc-backup'),
});

export type EnvConfig = z.output<typeof envSchema>;

export interface Settings {
  logLevel: string;
  healthListen: string;
  rcon: { target: { path: string } | { host: string; port: number }; password: string; timeoutMs: number };
  source: string;
  /** undefined: no staging copy, borg reads the world while saving is paused. */
  staging: string | undefined;
  stateDir: string;
  schedule: string;
  checkSchedule: string | undefined;
  timeZone: string;
  keep: { daily: number; weekly: number; monthly: number };
  maxAgeMs: number;
  notify: { url: string; on: 'always' | 'failure' } | undefined;
  announce: Announce;
  archivePrefix: string;
  excludes: string[];
  compression: string;
  flushTimeoutMs: number;
  resumeTimeoutMs: number;
  borgTimeoutMs: number;
  lockWaitSeconds: number;
  borgBin: string;
  rsyncBin: string;
  borg: { repo: string; passphrase?: string; passcommand?: string; hostId: string };
  /** BACKUP_MODE and what feeds it. */
  presence: {
    mode: 'always' | 'if-played' | 'after-leave';
    logSocket: string | undefined;
    delayMs: number;
    minIntervalMs: number;
  };
  /** BACKUP_VERIFY and the parent of its scratch folders. */
  verify: { mode: 'after-run' | 'daily' | 'off'; scratchDir: string };
}

export interface LoadedSettings {
  settings: Settings;
  secretValues: string[];
}

/** Reads and checks the env; throws ConfigError (exit 2) naming each bad key. */
export function loadSettings(env: Record<string, string | undefined>): LoadedSettings {
  const { config, secretValues } = loadSidecarEnv(mcBackupEnv, env);
  return { settings: toSettings(config), secretValues };
}

/** Pure: the checks across keys. */
export function settingsIssues(c: EnvConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (c.BACKUP_KEEP_DAILY + c.BACKUP_KEEP_WEEKLY + c.BACKUP_KEEP_MONTHLY === 0) {
    issues.push({
      key: 'BACKUP_KEEP_DAILY',
      problem: 'all keep counts are 0',
      expected: 'at least one of BACKUP_KEEP_DAILY/WEEKLY/MONTHLY above 0',
    });
  }
  const staging = c.BACKUP_STAGING === 'none' ? undefined : resolve(c.BACKUP_STAGING);
  const source = resolve(c.BACKUP_SOURCE);
  if (staging && (isWithin(staging, source) || isWithin(source, staging))) {
    issues.push({ key: 'BACKUP_STAGING', problem: `${staging} overlaps the world ${source}`, expected: 'a folder outside the world' });
  }
  const stateDir = resolve(c.BACKUP_STATE_DIR);
  const scratchDir = resolve(c.BACKUP_VERIFY_DIR ?? `${stateDir}/verify`);
  for (const [what, path] of [
    ['the world', source],
    ['the staging folder', staging],
  ] as const) {
    if (path && (isWithin(scratchDir, path) || isWithin(path, scratchDir))) {
      issues.push({ key: 'BACKUP_VERIFY_DIR', problem: `${scratchDir} overlaps ${what} ${path}`, expected: 'a folder of its own' });
    }
  }
  if (c.BACKUP_MODE !== 'always' && !c.BACKUP_LOG_SOCKET) {
    issues.push({
      key: 'BACKUP_LOG_SOCKET',
      problem: `BACKUP_MODE=${c.BACKUP_MODE} needs the server log`,
      expected: "the bridge's log socket (BRIDGE_LOG_SOCKET), e.g. /run/rcon/log.sock",
    });
  }
  if (c.BORG_PASSPHRASE !== undefined && c.BORG_PASSCOMMAND !== undefined) {
    issues.push({ key: 'BORG_PASSCOMMAND', problem: 'both BORG_PASSPHRASE and BORG_PASSCOMMAND are set', expected: 'only one of them' });
  }
  return issues;
}

/** Pure: the shape the app uses (after the checks; a bad combination throws ConfigError). */
export function toSettings(c: EnvConfig): Settings {
  const issues = settingsIssues(c);
  if (issues.length > 0) throw new ConfigError(issues);
  const staging = c.BACKUP_STAGING === 'none' ? undefined : resolve(c.BACKUP_STAGING);
  const source = resolve(c.BACKUP_SOURCE);
  const stateDir = resolve(c.BACKUP_STATE_DIR);
  const scratchDir = resolve(c.BACKUP_VERIFY_DIR ?? `${stateDir}/verify`);
  const socket = c.BACKUP_RCON_SOCKET;
  const target = socket.startsWith('/')
    ? { path: socket }
    : { host: socket.slice(0, socket.lastIndexOf(':')), port: Number(socket.slice(socket.lastIndexOf(':') + 1)) };
  const extra = (c.BACKUP_EXCLUDE ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  return {
    logLevel: c.LOG_LEVEL,
    healthListen: c.HEALTH_LISTEN,
    rcon: { target, password: c.BACKUP_RCON_PASSWORD ?? '', timeoutMs: c.BACKUP_RCON_TIMEOUT },
    source,
    staging,
    stateDir,
    schedule: c.BACKUP_SCHEDULE,
    checkSchedule: c.BACKUP_CHECK_SCHEDULE,
    timeZone: c.BACKUP_TZ,
    keep: { daily: c.BACKUP_KEEP_DAILY, weekly: c.BACKUP_KEEP_WEEKLY, monthly: c.BACKUP_KEEP_MONTHLY },
    maxAgeMs: c.BACKUP_MAX_AGE,
    notify: c.BACKUP_NOTIFY_URL ? { url: c.BACKUP_NOTIFY_URL, on: c.BACKUP_NOTIFY_ON } : undefined,
    announce: c.BACKUP_ANNOUNCE,
    archivePrefix: c.BACKUP_ARCHIVE_PREFIX,
    excludes: [...new Set([...DEFAULT_EXCLUDES, ...extra])],
    compression: c.BACKUP_COMPRESSION,
    flushTimeoutMs: c.BACKUP_FLUSH_TIMEOUT,
    resumeTimeoutMs: c.BACKUP_RESUME_TIMEOUT,
    borgTimeoutMs: c.BACKUP_BORG_TIMEOUT,
    lockWaitSeconds: Math.round(c.BACKUP_LOCK_WAIT / 1000),
    borgBin: c.BACKUP_BORG_BIN,
    rsyncBin: c.BACKUP_RSYNC_BIN,
    borg: { repo: c.BORG_REPO, passphrase: c.BORG_PASSPHRASE, passcommand: c.BORG_PASSCOMMAND, hostId: c.BORG_HOST_ID },
    verify: { mode: c.BACKUP_VERIFY, scratchDir },
    presence: {
      mode: c.BACKUP_MODE,
      logSocket: c.BACKUP_LOG_SOCKET,
      delayMs: c.BACKUP_AFTER_LEAVE_DELAY,
      minIntervalMs: c.BACKUP_MIN_INTERVAL,
    },
  };
}

export const envDocs: EnvDoc[] = [
  { name: 'BORG_REPO', description: 'borg repository (path or ssh://...), required' },
  { name: 'BORG_PASSPHRASE', description: 'repository passphrase (secret; or BORG_PASSPHRASE_FILE)' },
  { name: 'BORG_PASSCOMMAND', description: 'command printing the passphrase (instead of BORG_PASSPHRASE)' },
  { name: 'BORG_HOST_ID', description: 'stable borg host id, so our own stale locks are recognised', default: 'mc-backup' },
  {
    name: 'BACKUP_RCON_SOCKET',
    description: "the bridge's backup socket, or host:port of any RCON server",
    default: '/run/rcon/backup.sock',
  },
  { name: 'BACKUP_RCON_PASSWORD', description: 'RCON password (secret; or BACKUP_RCON_PASSWORD_FILE)', default: 'empty' },
  { name: 'BACKUP_SOURCE', description: 'the live world folder', default: '/data/world' },
  {
    name: 'BACKUP_STAGING',
    description: 'persistent staging copy; none = borg reads the world while paused',
    default: '/var/lib/mc-backup/staging',
  },
  { name: 'BACKUP_STATE_DIR', description: 'state file and run lock', default: '/var/lib/mc-backup' },
  { name: 'BACKUP_SCHEDULE', description: 'cron expression of the backups (run)', default: '0 4 * * *' },
  { name: 'BACKUP_TZ', description: 'time zone of the schedules and of prune days/weeks/months', default: 'UTC' },
  { name: 'BACKUP_KEEP_DAILY', description: 'daily archives kept by prune', default: '7' },
  { name: 'BACKUP_KEEP_WEEKLY', description: 'weekly archives kept by prune', default: '4' },
  { name: 'BACKUP_KEEP_MONTHLY', description: 'monthly archives kept by prune', default: '6' },
  { name: 'BACKUP_CHECK_SCHEDULE', description: 'cron expression of borg check runs (run); unset = never' },
  { name: 'BACKUP_MAX_AGE', description: 'ready while the last success is younger than this', default: '26h' },
  { name: 'BACKUP_NOTIFY_URL', description: 'webhook: POST of a JSON summary after each run; unset = off' },
  { name: 'BACKUP_NOTIFY_ON', description: 'always or failure', default: 'always' },
  { name: 'BACKUP_ANNOUNCE', description: 'in-game announcements at start and end: say, tellraw or off', default: 'say' },
  { name: 'BACKUP_ARCHIVE_PREFIX', description: 'archive names are PREFIX-<ISO time>; prune only touches these', default: 'world' },
  { name: 'BACKUP_EXCLUDE', description: 'extra comma-separated patterns to skip (always: session.lock, *.tmp, *~)' },
  { name: 'BACKUP_COMPRESSION', description: 'borg --compression', default: 'zstd,3' },
  { name: 'BACKUP_RCON_TIMEOUT', description: 'timeout of connect and of each RCON command', default: '10s' },
  { name: 'BACKUP_FLUSH_TIMEOUT', description: 'timeout of save-all flush', default: '2m' },
  {
    name: 'BACKUP_RESUME_TIMEOUT',
    description: 'how long save-on is retried before the run fails (the daemon keeps retrying)',
    default: '30s',
  },
  { name: 'BACKUP_BORG_TIMEOUT', description: 'timeout of each borg command', default: '6h' },
  { name: 'BACKUP_LOCK_WAIT', description: 'borg --lock-wait', default: '30s' },
  {
    name: 'BACKUP_MODE',
    description:
      'always; if-played: skip a scheduled run when nobody played since the last backup; after-leave: also back up after the last player leaves',
    default: 'always',
  },
  { name: 'BACKUP_LOG_SOCKET', description: "the bridge's log socket (join/leave lines); required unless BACKUP_MODE=always" },
  {
    name: 'BACKUP_AFTER_LEAVE_DELAY',
    description: 'after-leave: back up this long after the last player left or the server started',
    default: '10m',
  },
  {
    name: 'BACKUP_MIN_INTERVAL',
    description: 'after-leave: at least this long between the starts of two presence backups (0s: no minimum)',
    default: '1h',
  },
  {
    name: 'BACKUP_VERIFY',
    description: 'verify the archive after each successful run (after-run), after the first one each day (daily), or off',
    default: 'off',
  },
  { name: 'BACKUP_VERIFY_DIR', description: 'where verify extracts archives (scratch, removed after)', default: 'BACKUP_STATE_DIR/verify' },
  { name: 'BACKUP_BORG_BIN', description: 'borg executable', default: 'borg' },
  { name: 'BACKUP_RSYNC_BIN', description: 'rsync executable', default: 'rsync' },
];

export const mcBackupEnv: SidecarEnv<typeof envSchema> = {
  schema: envSchema,
  prefixes: ['BACKUP_'],
  secrets: ['BACKUP_RCON_PASSWORD', 'BORG_PASSPHRASE'],
  docs: envDocs,
  check: settingsIssues,
};
