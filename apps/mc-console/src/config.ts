import { duration, type EnvDoc, type SidecarEnv } from '@homelab/core';
import { z } from 'zod';

export const consoleEnvSchema = z.object({
  CONSOLE_SOCKET: z.string().startsWith('/', 'expected an absolute path').default('/run/rcon/rcon.sock'),
  CONSOLE_LOG_SOCKET: z.string().startsWith('/', 'expected an absolute path').optional(),
  CONSOLE_PASSWORD: z.string().default(''),
  CONSOLE_TIMEOUT: duration().default(120_000),
  CONSOLE_HISTORY_FILE: z.string().startsWith('/', 'expected an absolute path').optional(),
});

export type ConsoleConfig = z.output<typeof consoleEnvSchema>;

export const consoleEnvDocs: EnvDoc[] = [
  { name: 'CONSOLE_SOCKET', description: 'the bridge RCON socket', default: '/run/rcon/rcon.sock' },
  { name: 'CONSOLE_LOG_SOCKET', description: 'the bridge log socket (unset: no log lines)' },
  { name: 'CONSOLE_PASSWORD', description: 'the bridge socket password, if it has one', default: '(empty)' },
  { name: 'CONSOLE_TIMEOUT', description: 'reply timeout per command', default: '120s' },
  { name: 'CONSOLE_HISTORY_FILE', description: 'keep the command history in this file across sessions' },
];

/** No LOG_LEVEL: the console writes no log lines, only its terminal output and notices. */
export const consoleEnv: SidecarEnv<typeof consoleEnvSchema> = {
  schema: consoleEnvSchema,
  prefixes: ['CONSOLE_'],
  secrets: ['CONSOLE_PASSWORD'],
  docs: consoleEnvDocs,
};
