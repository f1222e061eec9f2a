import { ConfigError, loadEnvConfig } from '@homelab/core';
import { describe, expect, it } from 'vitest';
import { checkConfig, envPrefixes, envSchema } from './config.js';

const load = (env: Record<string, string>) => checkConfig(loadEnvConfig(envSchema, env, { prefixes: envPrefixes }).config);

function problem(env: Record<string, string>): string {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('proxy-stats config', () => {
  it('has working defaults', () => {
    const c = load({});
    expect(c).toMatchObject({
      STATS_LOG: '/var/log/caddy/access.log',
      STATS_DATA: '/var/lib/proxy-stats',
      STATS_GOACCESS: 'goaccess',
      STATS_DEBOUNCE: 10_000,
      STATS_MAX_WAIT: 60_000,
      STATS_INTERVAL: 600_000,
      STATS_STALE_AFTER: 1_800_000,
    });
    expect(c.STATS_KEEP_DAYS).toBeUndefined();
  });

  it.each([
    [{ STATS_LOG: 'access.log' }, /STATS_LOG: expected an absolute, normalised path/],
    [{ STATS_DATA: '/var/lib/../etc' }, /STATS_DATA: expected an absolute, normalised path/],
    [{ STATS_TITLE: 'stats"><script>' }, /STATS_TITLE: expected 1-80 letters/],
    [{ STATS_TITLE: 'a\nb' }, /STATS_TITLE/],
    [{ STATS_GOACCESS: 'goaccess; rm -rf /' }, /STATS_GOACCESS: expected a program name/],
    [{ STATS_INTERVAL: '30d' }, /STATS_INTERVAL: 30d is longer than the maximum 1d/],
    [{ STATS_POLL: 'soon' }, /STATS_POLL: "soon" is not a duration/],
    [{ STATS_KEEP_DAYS: '0' }, /STATS_KEEP_DAYS: expected a whole number 1-3650/],
    [{ STATS_RETRY_MIN: '1m', STATS_RETRY_MAX: '10s' }, /STATS_RETRY_MAX: is shorter than STATS_RETRY_MIN/],
    [{ STATS_INTERVAL: '1h', STATS_STALE_AFTER: '30m' }, /STATS_STALE_AFTER: is not longer than STATS_INTERVAL/],
    [{ STATS_DATA: '/var/log', STATS_LOG: '/var/log/caddy/access.log' }, /STATS_LOG: is inside STATS_DATA/],
    [{ STATS_LOGS: '/x' }, /STATS_LOGS: unknown setting/],
  ])('%o is refused', (env, message) => {
    expect(problem(env)).toMatch(message);
  });
});
