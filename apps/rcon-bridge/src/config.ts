import { commonEnvShape, configValues, duration, type EnvDoc, parseDuration, type SidecarEnv } from '@homelab/core';
import * as z from 'zod';
import { parseCountdownSteps } from './countdown.js';

const optionalPath = () => z.string().startsWith('/', 'expected an absolute path').optional();

/** The bridge's env vars (DESIGN.md 3.2). Secrets also as NAME_FILE. */
export const bridgeEnvSchema = z.object({
  ...commonEnvShape,
  RCON_HOST: z.string().min(1).default('127.0.0.1'),
  RCON_PORT: configValues.port().default(25575),
  RCON_PASSWORD: z.string({ message: 'is required (the server.properties rcon.password)' }).min(1, 'must not be empty'),
  BRIDGE_SOCKET: z.string().startsWith('/', 'expected an absolute path').default('/run/rcon/rcon.sock'),
  BRIDGE_BACKUP_SOCKET: optionalPath(),
  BRIDGE_SOCKET_PASSWORD: z.string().optional(),
  BRIDGE_SOCKET_MODE: configValues.fileMode().default(0o660),
  BRIDGE_LOG_SOCKET: optionalPath(),
  BRIDGE_LOG_HISTORY: configValues.int(0, 100_000).default(200),
  BRIDGE_LOG_FILE: optionalPath(),
  BRIDGE_WORKTREE: optionalPath(),
  BRIDGE_COMMAND_TIMEOUT: duration().default(120_000),
  BRIDGE_STOP_TIMEOUT: duration().default(60_000),
  BRIDGE_KILL_TIMEOUT: duration().default(10_000),
  BRIDGE_GIT_TIMEOUT: duration().default(120_000),
  BRIDGE_CLIENT_TIMEOUT: duration({ max: 10 * 60_000 }).default(10_000),
  BRIDGE_CLIENT_IDLE_TIMEOUT: duration({ max: 24 * 3_600_000 }).default(12 * 3_600_000),
  BRIDGE_MAX_CLIENTS: configValues.int(1, 1_000).default(64),
  BRIDGE_COUNTDOWN: z
    .string()
    .default('5m,1m,30s,10s')
    .transform((value, ctx) => {
      const steps = parseCountdownSteps(value, parseDuration);
      if (typeof steps === 'string') {
        ctx.addIssue({ code: 'custom', message: steps });
        return z.NEVER;
      }
      return steps;
    }),
  BRIDGE_COUNTDOWN_TEXT: z
    .string()
    .max(200, 'at most 200 characters')
    .refine((v) => !/[\p{Cc}\p{Cf}]/u.test(v), { message: 'no control characters' })
    .refine((v) => v.includes('{time}'), { message: 'must contain {time}' })
    .default('[server] {action} in {time} {reason}'),
  BRIDGE_STOP_COUNTDOWN: z.enum(['on', 'off']).default('off'),
});

export type BridgeConfig = z.output<typeof bridgeEnvSchema>;

export const bridgeEnvDocs: EnvDoc[] = [
  { name: 'RCON_HOST', description: 'upstream Minecraft RCON host', default: '127.0.0.1' },
  { name: 'RCON_PORT', description: 'upstream Minecraft RCON port', default: '25575' },
  { name: 'RCON_PASSWORD', description: 'upstream RCON password (required; never leaves this container)' },
  { name: 'BRIDGE_SOCKET', description: 'unix socket serving every command', default: '/run/rcon/rcon.sock' },
  { name: 'BRIDGE_BACKUP_SOCKET', description: 'restricted socket: save-off, save-on, save-all, say, tellraw, list only' },
  { name: 'BRIDGE_SOCKET_PASSWORD', description: 'password clients must log in with (unset: any, file mode guards)' },
  { name: 'BRIDGE_SOCKET_MODE', description: 'file mode of the command sockets', default: '0660' },
  { name: 'BRIDGE_LOG_SOCKET', description: 'unix socket streaming log history then live lines' },
  { name: 'BRIDGE_LOG_HISTORY', description: 'log lines a new log client gets first', default: '200' },
  { name: 'BRIDGE_LOG_FILE', description: 'follow this log file (rotation/truncation handled)' },
  { name: 'BRIDGE_WORKTREE', description: 'git working tree fast-forwarded to its origin before launch' },
  { name: 'BRIDGE_COMMAND_TIMEOUT', description: 'upstream reply timeout per command', default: '120s' },
  { name: 'BRIDGE_STOP_TIMEOUT', description: 'wait for the server to exit after `stop`', default: '60s' },
  { name: 'BRIDGE_KILL_TIMEOUT', description: 'wait after SIGTERM before SIGKILL', default: '10s' },
  { name: 'BRIDGE_GIT_TIMEOUT', description: 'timeout of each git command of the update', default: '120s' },
  {
    name: 'BRIDGE_CLIENT_TIMEOUT',
    description: 'a socket client must log in, and finish each packet it starts, within this (1ms-10m)',
    default: '10s',
  },
  {
    name: 'BRIDGE_CLIENT_IDLE_TIMEOUT',
    description: 'a logged-in client sending nothing, or a log client not reading, is closed after this (1ms-1d)',
    default: '12h',
  },
  { name: 'BRIDGE_MAX_CLIENTS', description: 'connections at once per socket; more get a one-line refusal (1-1000)', default: '64' },
  {
    name: 'BRIDGE_COUNTDOWN',
    description: 'announcement steps of bridge:restart/bridge:stop, longest first (1s-1h each)',
    default: '5m,1m,30s,10s',
  },
  {
    name: 'BRIDGE_COUNTDOWN_TEXT',
    description: 'in-game text of each step: {action} (restarting/stopping), {time}, {reason}',
    default: '[server] {action} in {time} {reason}',
  },
  {
    name: 'BRIDGE_STOP_COUNTDOWN',
    description: 'on: SIGTERM runs the stop countdown first (skipped when nobody is online)',
    default: 'off',
  },
];

export const bridgeEnv: SidecarEnv<typeof bridgeEnvSchema> = {
  schema: bridgeEnvSchema,
  prefixes: ['BRIDGE_', 'RCON_'],
  secrets: ['RCON_PASSWORD', 'BRIDGE_SOCKET_PASSWORD'],
  docs: bridgeEnvDocs,
};
