import { isAbsolute } from 'node:path';
import {
  type ConfigIssue,
  commonEnvShape,
  type DebounceSettings,
  duration,
  type EnvDoc,
  loadSidecarEnv,
  type SidecarEnv,
} from '@homelab/core';
import * as z from 'zod';

const absolutePath = () => z.string().refine((v) => isAbsolute(v), { message: 'expected an absolute path' });

/** Env config of map-watcher; durations use core's `60s` form (`prefault` parses the default too). */
export const envSchema = z.object({
  ...commonEnvShape,
  MAP_WORLD: absolutePath(),
  MAP_OUTPUT: absolutePath(),
  MAP_STAGING: absolutePath(),
  MAP_RELEASES: absolutePath().optional(),
  MAP_RENDERER: z.string().min(1).default('little-a-map'),
  MAP_DEBOUNCE: duration({ min: 0 }).prefault('60s'),
  MAP_MAX_WAIT: duration({ min: 1 }).prefault('10m'),
  MAP_RENDER_TIMEOUT: duration({ min: 1 }).prefault('30m'),
  MAP_RETRY_MIN: duration({ min: 1 }).prefault('30s'),
  MAP_RETRY_MAX: duration({ min: 1 }).prefault('15m'),
  MAP_RELEASE_GRACE: duration({ min: 0 }).prefault('2m'),
});
export type MapWatcherConfig = z.output<typeof envSchema>;

export const envDocs: EnvDoc[] = [
  { name: 'MAP_WORLD', description: 'the Minecraft world folder to watch (read only)' },
  { name: 'MAP_OUTPUT', description: 'published map: a symlink swapped to each new release' },
  { name: 'MAP_STAGING', description: 'persistent render folder (renderer cache lives here)' },
  { name: 'MAP_RELEASES', description: 'release folders', default: '<dir of MAP_OUTPUT>/.<name>-releases' },
  { name: 'MAP_RENDERER', description: 'renderer command, run as RENDERER WORLD STAGING', default: 'little-a-map' },
  { name: 'MAP_DEBOUNCE', description: 'quiet time after the last change before rendering', default: '60s' },
  { name: 'MAP_MAX_WAIT', description: 'longest wait after the first change of a busy world', default: '10m' },
  { name: 'MAP_RENDER_TIMEOUT', description: 'a render running longer is killed', default: '30m' },
  { name: 'MAP_RETRY_MIN', description: 'first retry delay after a failed render (doubles)', default: '30s' },
  { name: 'MAP_RETRY_MAX', description: 'longest retry delay', default: '15m' },
  { name: 'MAP_RELEASE_GRACE', description: 'how long a replaced release stays for readers', default: '2m' },
];

/** Rules across keys. */
export function checkConfig(config: MapWatcherConfig): ConfigIssue[] {
  return config.MAP_RETRY_MAX < config.MAP_RETRY_MIN
    ? [{ key: 'MAP_RETRY_MAX', problem: 'is shorter than MAP_RETRY_MIN', expected: 'at least MAP_RETRY_MIN' }]
    : [];
}

export const mapWatcherEnv: SidecarEnv<typeof envSchema> = { schema: envSchema, prefixes: ['MAP_'], docs: envDocs, check: checkConfig };

export function scheduleSettings(config: MapWatcherConfig): DebounceSettings {
  return {
    debounceMs: config.MAP_DEBOUNCE,
    maxWaitMs: config.MAP_MAX_WAIT,
    retryMinMs: config.MAP_RETRY_MIN,
    retryMaxMs: config.MAP_RETRY_MAX,
  };
}

export function loadConfig(env: Record<string, string | undefined>): MapWatcherConfig {
  return loadSidecarEnv(mapWatcherEnv, env).config;
}
