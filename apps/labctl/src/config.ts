import { configValues, type EnvDoc, type SidecarEnv } from '@homelab/core';
import { z } from 'zod';

/**
 * labctl's own settings are its arguments and flags; the env sets the log level and, for the daemon
 * (`labctl run`), where its health server listens.
 */
export const envSchema = z.object({
  LOG_LEVEL: configValues.logLevel().default('silent'),
  HEALTH_LISTEN: configValues.listen().default('127.0.0.1:9000'),
});

export const envDocs: EnvDoc[] = [
  {
    name: 'LOG_LEVEL',
    description: 'log level of the subprocess log and of the daemon (JSON lines on stderr; the OpenRC service sets info)',
    default: 'silent',
  },
];

export const labctlEnv: SidecarEnv<typeof envSchema> = { schema: envSchema, prefixes: ['LABCTL_'], docs: envDocs };
