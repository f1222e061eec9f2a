import { commonEnvShape } from '@homelab/core';
import { z } from 'zod';

/**
 * labctl's environment: only the common keys. LOG_LEVEL: the daemon (`run`) logs at info by default;
 * the one-shot commands keep their subprocess log silent unless LOG_LEVEL is set (stdout is their output).
 */
export const envSchema = z.object({ ...commonEnvShape });

export const env = { schema: envSchema, prefixes: ['LABCTL_'], docs: [] } as const;
