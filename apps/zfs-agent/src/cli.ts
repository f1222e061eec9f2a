import {
  type CliSpec,
  type Clock,
  commonEnvDocs,
  commonEnvShape,
  createLogger,
  createMetricsRegistry,
  createRunner,
  loadEnvConfig,
  runService,
  systemClock,
  UsageError,
} from '@homelab/core';
import { z } from 'zod';
import { createAgent } from './app.js';
import { loadConfig } from './config.js';
import { formatPlan, formatReport } from './format.js';
import { Zfs } from './zfs.js';

const envSchema = z.object({
  ...commonEnvShape,
  ZFS_AGENT_CONFIG: z.string().optional(),
  ZFS_AGENT_ZFS: z.string().default('zfs'),
  ZFS_AGENT_LOCK: z.string().default('/tmp/zfs-agent.lock'),
});

export const envDocs = [
  ...commonEnvDocs,
  { name: 'ZFS_AGENT_CONFIG', description: 'YAML config file (the --config flag wins)' },
  { name: 'ZFS_AGENT_ZFS', description: 'the zfs command', default: 'zfs' },
  { name: 'ZFS_AGENT_LOCK', description: 'lock file held during a cycle (once vs run)', default: '/tmp/zfs-agent.lock' },
];

/** Where one-shot commands write: main.ts passes the process's streams, tests their own. */
export interface CliOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

interface Setup {
  flags: Record<string, string | boolean | string[] | undefined>;
  env: Record<string, string | undefined>;
  /** One-shot commands log to stderr so stdout carries only their output. */
  logToStderr: boolean;
  out: CliOutput;
}

function setup({ flags, env, logToStderr, out }: Setup) {
  const { config: envConfig } = loadEnvConfig(envSchema, env, { prefixes: ['ZFS_AGENT_'] });
  const path = (flags.config as string | undefined) ?? envConfig.ZFS_AGENT_CONFIG;
  if (!path) throw new UsageError('no config: pass --config FILE or set ZFS_AGENT_CONFIG');
  const config = loadConfig(path);
  const log = createLogger({
    name: 'zfs-agent',
    level: envConfig.LOG_LEVEL,
    ...(logToStderr ? { destination: { write: (line: string) => out.stderr(line) }, pretty: false } : {}),
  });
  const clock = clockFrom(flags.now as string | undefined);
  return { envConfig, config, log, clock };
}

/** `--now 2026-01-01T00:00:00Z` pretends the time (for dry runs of the policy and tests). */
function clockFrom(now: string | undefined): Clock {
  if (now === undefined) return systemClock;
  const time = Date.parse(now);
  if (Number.isNaN(time)) throw new UsageError(`--now: "${now}" is not a time; expected an ISO time such as 2026-01-01T00:00:00Z`);
  return { now: () => time, sleep: systemClock.sleep };
}

const configFlag = { config: { type: 'string' as const, description: 'YAML config file' } };
const nowFlag = { now: { type: 'string' as const, description: 'pretend the time is this ISO time' } };

export function createCli(out: CliOutput): CliSpec {
  return {
    name: 'zfs-agent',
    summary: 'snapshots, retention, capacity guard and pull replication for ZFS (container zfs-backup)',
    defaultCommand: 'run',
    env: envDocs,
    flags: configFlag,
    commands: {
      plan: {
        summary: 'print what a cycle would create, destroy and send; change nothing',
        flags: { ...nowFlag, json: { type: 'boolean', description: 'print the plan as JSON' } },
        run: async ({ flags, env }) => {
          const { envConfig, config, log, clock } = setup({ flags, env, logToStderr: true, out });
          const zfs = new Zfs({ runner: createRunner({ log }), log, zfsBin: envConfig.ZFS_AGENT_ZFS });
          const plan = await createAgent({ config, zfs, clock, log }).plan();
          out.stdout(flags.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
          return plan.problems.length > 0 ? 1 : 0;
        },
      },
      once: {
        summary: 'run one cycle and exit (1 when part of it failed)',
        flags: nowFlag,
        run: async ({ flags, env }) => {
          const { envConfig, config, log, clock } = setup({ flags, env, logToStderr: true, out });
          const zfs = new Zfs({ runner: createRunner({ log }), log, zfsBin: envConfig.ZFS_AGENT_ZFS, sendTimeoutMs: config.sendTimeoutMs });
          const report = await createAgent({ config, zfs, clock, log, lockPath: envConfig.ZFS_AGENT_LOCK }).once();
          out.stdout(formatReport(report));
          return report.errors.length > 0 ? 1 : 0;
        },
      },
      run: {
        summary: 'run a cycle every interval, serve health and metrics',
        run: async ({ flags, env }) => {
          const { envConfig, config, log, clock } = setup({ flags, env, logToStderr: false, out });
          const registry = createMetricsRegistry('zfs-agent');
          let agent: ReturnType<typeof createAgent> | undefined;
          return runService({
            name: 'zfs-agent',
            log,
            healthListen: envConfig.HEALTH_LISTEN,
            registry,
            checks: { cycle: () => agent?.ready() ?? { ok: false } },
            status: () => ({ ...agent?.status }),
            start: async ({ lifecycle }) => {
              const zfs = new Zfs({
                runner: createRunner({ log }),
                log,
                zfsBin: envConfig.ZFS_AGENT_ZFS,
                signal: lifecycle.signal,
                sendTimeoutMs: config.sendTimeoutMs,
              });
              agent = createAgent({ config, zfs, clock, log, registry, lockPath: envConfig.ZFS_AGENT_LOCK });
              await agent.start(lifecycle);
            },
          });
        },
      },
    },
  };
}
