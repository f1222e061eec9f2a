import { configValues, duration, type EnvDoc } from '@homelab/core';
import { z } from 'zod';

export const consoleEnvSchema = z.object({
  LOG_LEVEL: configValues.logLevel().default('warn'),
  CONSOLE_SOCKET: z.string().startsWith('/', 'expected an absolute path').default('/run/rcon/rcon.sock'),
  CONSOLE_LOG_SOCKET: z.string().startsWith('/', 'expected an absolute path').optional(),
  CONSOLE_PASSWORD: z.string().default(''),
  CONSOLE_TIMEOUT: duration().default(120_000),
  CONSOLE_HISTORY_FILE: z.string().startsWith('/', 'expected an absolute path').optional(),
});

export type ConsoleConfig = z.output<typeof consoleEnvSchema>;

export const consoleEnvOptions = { prefixes: ['CONSOLE_'], secrets: ['CONSOLE_PASSWORD'] };

export const consoleEnvDocs: EnvDoc[] = [
  { name: 'CONSOLE_SOCKET', description: 'the bridge RCON socket', default: '/run/rcon/rcon.sock' },
  { name: 'CONSOLE_LOG_SOCKET', description: 'the bridge log socket (unset: no log lines)' },
  { name: 'CONSOLE_PASSWORD', description: 'the bridge socket password, if it has one', default: '(empty)' },
  { name: 'CONSOLE_TIMEOUT', description: 'reply timeout per command', default: '120s' },
  { name: 'CONSOLE_HISTORY_FILE', description: 'keep the command history in this file across sessions' },
  { name: 'LOG_LEVEL', description: "the console's own diagnostics on stderr", default: 'warn' },
];
