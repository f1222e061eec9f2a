import { type Clock, type CommandDeps, type SidecarDefinition, UsageError } from '@homelab/core';
import { buildZfsAgent, createAgent } from './app.js';
import { type AgentEnv, agentConfigFrom, type envSchema, zfsAgentEnv } from './config.js';
import { formatPlan, formatReport } from './format.js';
import { Zfs } from './zfs.js';

/** `--now 2026-01-01T00:00:00Z` pretends the time (for dry runs of the policy and tests). */
function clockFrom(now: string | undefined, real: Clock): Clock {
  if (now === undefined) return real;
  const time = Date.parse(now);
  if (Number.isNaN(time)) throw new UsageError(`--now: "${now}" is not a time; expected an ISO time such as 2026-01-01T00:00:00Z`);
  return { now: () => time, sleep: real.sleep };
}

/** What the one-shot commands share: the YAML config, the pretended clock, zfs. */
function oneShot(deps: CommandDeps<AgentEnv>) {
  const config = agentConfigFrom(deps.config, deps.flags);
  const clock = clockFrom(deps.flags.now as string | undefined, deps.clock);
  const zfs = new Zfs({ runner: deps.runner, log: deps.log, zfsBin: deps.config.ZFS_AGENT_ZFS, sendTimeoutMs: config.sendTimeoutMs });
  return { config, clock, zfs };
}

const nowFlag = { now: { type: 'string' as const, description: 'pretend the time is this ISO time' } };

export const zfsAgent: SidecarDefinition<typeof envSchema> = {
  name: 'zfs-agent',
  summary: 'snapshots, retention, capacity guard and pull replication for ZFS (container zfs-backup)',
  env: zfsAgentEnv,
  flags: { config: { type: 'string', description: 'YAML config file' } },
  service: { summary: 'run a cycle every interval, serve health and metrics', build: buildZfsAgent },
  commands: {
    plan: {
      summary: 'print what a cycle would create, destroy and send; change nothing',
      flags: { ...nowFlag, json: { type: 'boolean', description: 'print the plan as JSON' } },
      // One-shot commands log to stderr so stdout carries only their output.
      logTo: 'stderr',
      run: async (deps) => {
        const { config, clock, zfs } = oneShot(deps);
        const plan = await createAgent({ config, zfs, clock, log: deps.log }).plan();
        deps.io.stdout(deps.flags.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
        return plan.problems.length > 0 ? 1 : 0;
      },
    },
    once: {
      summary: 'run one cycle and exit (1 when part of it failed)',
      flags: nowFlag,
      logTo: 'stderr',
      run: async (deps) => {
        const { config, clock, zfs } = oneShot(deps);
        const report = await createAgent({ config, zfs, clock, log: deps.log, lockPath: deps.config.ZFS_AGENT_LOCK }).once();
        deps.io.stdout(formatReport(report));
        return report.errors.length > 0 ? 1 : 0;
      },
    },
  },
};
