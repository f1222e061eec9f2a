import { configValues, type EnvDoc, type SidecarEnv } from '@homelab/core';
import { z } from 'zod';

/** labctl's own settings are its arguments and flags; the env only sets the log level. */
export const envSchema = z.object({ LOG_LEVEL: configValues.logLevel().default('silent') });

export const envDocs: EnvDoc[] = [
  { name: 'LOG_LEVEL', description: 'log level of the subprocess log (JSON lines on stderr)', default: 'silent' },
];

export const labctlEnv: SidecarEnv<typeof envSchema> = { schema: envSchema, prefixes: ['LABCTL_'], docs: envDocs };
