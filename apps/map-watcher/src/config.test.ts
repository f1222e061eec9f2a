import { ConfigError } from '@homelab/core';
import { describe, expect, it } from 'vitest';
import { loadConfig, scheduleSettings } from './config.js';

const base = { MAP_WORLD: '/srv/world', MAP_OUTPUT: '/srv/map/current', MAP_STAGING: '/var/cache/map' };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config.MAP_RENDERER).toBe('little-a-map');
    expect(scheduleSettings(config)).toEqual({ debounceMs: 60_000, maxWaitMs: 600_000, retryMinMs: 30_000, retryMaxMs: 900_000 });
    expect(config.MAP_RENDER_TIMEOUT).toBe(1_800_000);
    expect(config.MAP_RELEASE_GRACE).toBe(120_000);
    expect(config.MAP_RELEASES).toBeUndefined();
  });

  it.each([
    [{ MAP_DEBOUNCE: '5x' }, 'MAP_DEBOUNCE: "5x" is not a duration'],
    [{ MAP_WORLD: 'world' }, 'MAP_WORLD: expected an absolute path'],
    [{ MAP_STAGING: undefined }, 'MAP_STAGING: is required'],
    [{ MAP_DEBOUNCD: '1s' }, 'MAP_DEBOUNCD: unknown setting'],
    [{ MAP_RETRY_MIN: '10m', MAP_RETRY_MAX: '1m' }, 'MAP_RETRY_MAX: is shorter than MAP_RETRY_MIN'],
  ])('%o is refused naming the key', (override, message) => {
    const run = () => loadConfig({ ...base, ...override });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });
});
