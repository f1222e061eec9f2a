import { MAX_DURATION_MS, validateConfig } from '@homelab/core';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { schema as cgitSchema } from '../apps/cgit-config/src/config.js';
import { envSchema as filestashSchema } from '../apps/filestash-config/src/config.js';
import { envSchema as mapSchema } from '../apps/map-watcher/src/config.js';
import { envSchema as backupSchema } from '../apps/mc-backup/src/config.js';
import { consoleEnvSchema } from '../apps/mc-console/src/config.js';
import { envSchema as statsSchema } from '../apps/proxy-stats/src/config.js';
import { bridgeEnvSchema } from '../apps/rcon-bridge/src/config.js';
import { envSchema as sftpSchema } from '../apps/sftp-config/src/config.js';
import { envSchema as wgSchema } from '../apps/wg-agent/src/config.js';
import { configSchema as zfsSchema } from '../apps/zfs-agent/src/config.js';

// Every duration setting of every app: Node timers overflow past 2^31-1 ms and then fire after 1 ms,
// so each one refuses anything longer than the core maximum, and 0 unless zero has a meaning.
interface Rule {
  zero?: true;
  max?: string;
}

interface App {
  schema: z.ZodObject;
  required: Record<string, string>;
  /** key -> whether 0 is meaningful there (documented as "0s = ...") and a narrower maximum than 24d */
  durations: Record<string, Rule>;
}

const apps: Record<string, App> = {
  'cgit-config': { schema: cgitSchema, required: {}, durations: { CGIT_DEBOUNCE: { zero: true }, CGIT_RESCAN_INTERVAL: { zero: true } } },
  'filestash-config': {
    schema: filestashSchema,
    required: { FILESTASH_ADMIN_HASH: `$2b$10$${'a'.repeat(53)}`, FILESTASH_SECRET_KEY: 'abcdefghij123456' },
    durations: { FILESTASH_DEBOUNCE: { zero: true }, FILESTASH_RECHECK_INTERVAL: {} },
  },
  'map-watcher': {
    schema: mapSchema,
    required: { MAP_WORLD: '/data/world', MAP_OUTPUT: '/srv/map', MAP_STAGING: '/srv/staging' },
    durations: {
      MAP_DEBOUNCE: { zero: true },
      MAP_MAX_WAIT: {},
      MAP_RENDER_TIMEOUT: {},
      MAP_RETRY_MIN: {},
      MAP_RETRY_MAX: {},
      MAP_RELEASE_GRACE: { zero: true },
    },
  },
  'mc-backup': {
    schema: backupSchema,
    required: { BORG_REPO: '/srv/borg' },
    durations: {
      BACKUP_MAX_AGE: {},
      BACKUP_RCON_TIMEOUT: {},
      BACKUP_FLUSH_TIMEOUT: {},
      BACKUP_RESUME_TIMEOUT: {},
      BACKUP_BORG_TIMEOUT: {},
      BACKUP_LOCK_WAIT: { zero: true, max: '1h' },
      BACKUP_AFTER_LEAVE_DELAY: { max: '1d' },
      BACKUP_MIN_INTERVAL: { zero: true, max: '1w' },
    },
  },
  'mc-console': { schema: consoleEnvSchema, required: {}, durations: { CONSOLE_TIMEOUT: {} } },
  'rcon-bridge': {
    schema: bridgeEnvSchema,
    required: { RCON_PASSWORD: 'pw' },
    durations: {
      BRIDGE_COMMAND_TIMEOUT: {},
      BRIDGE_STOP_TIMEOUT: {},
      BRIDGE_KILL_TIMEOUT: {},
      BRIDGE_GIT_TIMEOUT: {},
      BRIDGE_CLIENT_TIMEOUT: { max: '10m' },
      BRIDGE_CLIENT_IDLE_TIMEOUT: { max: '1d' },
    },
  },
  'proxy-stats': {
    schema: statsSchema,
    required: {},
    durations: {
      STATS_POLL: { max: '10m' },
      STATS_DEBOUNCE: { zero: true, max: '1d' },
      STATS_MAX_WAIT: { max: '1d' },
      STATS_INTERVAL: { max: '1d' },
      STATS_RUN_TIMEOUT: { max: '1d' },
      STATS_RETRY_MIN: { max: '1d' },
      STATS_RETRY_MAX: { max: '1d' },
      STATS_STALE_AFTER: { max: '1w' },
      STATS_RELEASE_GRACE: { zero: true, max: '1d' },
    },
  },
  'sftp-config': { schema: sftpSchema, required: {}, durations: { SFTP_RELINT_INTERVAL: {}, SFTP_DEBOUNCE: { zero: true } } },
  'wg-agent': { schema: wgSchema, required: {}, durations: { WG_INTERVAL: { max: '1d' } } },
  'zfs-agent': {
    schema: zfsSchema as unknown as z.ZodObject,
    required: { datasets: { 'tank/data': {} } } as unknown as Record<string, string>,
    durations: { interval: {}, frequent_period: {}, send_timeout: {} },
  },
};

const rows = Object.entries(apps).flatMap(([app, spec]) =>
  Object.entries(spec.durations).map(([key, rule]) => ({
    app,
    key,
    zeroAllowed: rule.zero === true,
    max: rule.max ?? '24d',
    spec,
  })),
);

function issuesFor(spec: App, key: string, value: string) {
  const result = validateConfig(spec.schema, { ...spec.required, [key]: value });
  return result.ok ? [] : result.issues;
}

describe('every duration setting is bounded', () => {
  it('the Node timer limit is respected by the core maximum', () => {
    expect(MAX_DURATION_MS).toBeLessThanOrEqual(2 ** 31 - 1);
  });

  it.each(Object.entries(apps))('%s: the table lists every duration key of the schema', (_app, spec) => {
    const found = Object.entries(spec.schema.shape)
      .filter(([, field]) => (field as z.ZodType).safeParse('7m').data === 420_000)
      .map(([key]) => key);
    expect(found.sort()).toEqual(Object.keys(spec.durations).sort());
  });

  it.each(rows)('$app $key refuses 30d with one issue naming the key and the limit $max', ({ spec, key, max }) => {
    const issues = issuesFor(spec, key, '30d');
    expect(issues).toHaveLength(1);
    expect(issues[0]?.key).toBe(key);
    expect(issues[0]?.problem).toContain(`maximum ${max}`);
  });

  it.each(rows)('$app $key accepts its maximum $max', ({ spec, key, max }) => {
    expect(issuesFor(spec, key, max)).toEqual([]);
  });

  it.each(rows)('$app $key: 0s accepted only where zero has a meaning ($zeroAllowed)', ({ spec, key, zeroAllowed }) => {
    const issues = issuesFor(spec, key, '0s');
    if (zeroAllowed) expect(issues).toEqual([]);
    else expect(issues.map((i) => i.key)).toEqual([key]);
  });
});
