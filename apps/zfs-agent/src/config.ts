import { commonEnvShape, duration, type EnvDoc, loadYamlConfig, parseYamlConfig, type SidecarEnv, UsageError } from '@homelab/core';
import { z } from 'zod';
import { PERIODS, type Period } from './periods.js';
import type { KeepCounts, Policy } from './retention.js';

const count = z
  .number({ message: 'expected a whole number >= 0' })
  .int('expected a whole number >= 0')
  .min(0, 'expected a whole number >= 0');
const datasetName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:-]*(\/[A-Za-z0-9_.:-]+)*$/,
    'expected a dataset name such as storage/data (no @, no leading or trailing /)',
  );
const percent = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const n = typeof value === 'number' ? value : /^\d+(\.\d+)?%$/.test(value.trim()) ? Number.parseFloat(value) : Number.NaN;
  if (!(n > 0 && n < 100)) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a percentage; expected a value such as 80%` });
    return z.NEVER;
  }
  return n;
});

/** Keep counts and min_keep, as a template or inline on a dataset / replication job. */
const policyShape = {
  frequently: count.optional(),
  hourly: count.optional(),
  daily: count.optional(),
  weekly: count.optional(),
  monthly: count.optional(),
  yearly: count.optional(),
  min_keep: count.optional(),
};
const templateSchema = z.strictObject(policyShape);

const datasetSchema = z.strictObject({
  ...policyShape,
  template: z.string().optional(),
  /** Snapshot the dataset and all its descendants (`zfs snapshot -r`); each child gets the same policy. */
  recursive: z.boolean().default(false),
});

const replicationSchema = z.strictObject({
  ...policyShape,
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected a job name of letters, digits, . _ -'),
  source: datasetName,
  target: datasetName,
  /** The target's own retention (template and/or inline counts). */
  template: z.string().optional(),
  /** Roll the target back with `receive -F` when it diverged. Off: a diverged target is an error. */
  force: z.boolean().default(false),
  /** Raw send (-w): `auto` = when the source is encrypted and the zfs supports it. */
  raw: z.enum(['auto', 'always', 'never']).default('auto'),
});

export const configSchema = z
  .strictObject({
    /** Snapshot names: `<prefix>_<UTC stamp>_<period>`; only these are ever pruned. */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, 'expected letters, digits, . or - (a snapshot name prefix)')
      .default('zfs-agent'),
    capacity_limit: percent.default(80),
    interval: duration({ min: 1_000 }).default(15 * 60_000),
    frequent_period: duration({ min: 60_000 }).default(15 * 60_000),
    send_timeout: duration({ min: 1_000 }).default(6 * 3_600_000),
    templates: z.record(z.string(), templateSchema).default({}),
    datasets: z.record(datasetName, datasetSchema).default({}),
    replication: z.array(replicationSchema).default([]),
  })
  .superRefine((cfg, ctx) => {
    const check = (path: PropertyKey[], template: string | undefined) => {
      if (template !== undefined && !(template in cfg.templates)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'template'],
          message: `unknown template "${template}"; expected one of: ${Object.keys(cfg.templates).join(', ') || '(none defined)'}`,
        });
      }
    };
    for (const [name, ds] of Object.entries(cfg.datasets)) check(['datasets', name], ds.template);
    const names = new Set<string>();
    cfg.replication.forEach((job, i) => {
      check(['replication', i], job.template);
      if (names.has(job.name))
        ctx.addIssue({ code: 'custom', path: ['replication', i, 'name'], message: `duplicate job name "${job.name}"` });
      names.add(job.name);
      if (job.source === job.target || job.target.startsWith(`${job.source}/`)) {
        ctx.addIssue({ code: 'custom', path: ['replication', i, 'target'], message: 'must not be the source or inside it' });
      }
    });
    const recursive = Object.entries(cfg.datasets)
      .filter(([, ds]) => ds.recursive)
      .map(([name]) => name);
    const insideRecursive = (name: string) => recursive.find((root) => name.startsWith(`${root}/`));
    for (const name of Object.keys(cfg.datasets)) {
      const root = insideRecursive(name);
      if (root)
        ctx.addIssue({
          code: 'custom',
          path: ['datasets', name],
          message: `is inside the recursive dataset ${root}, which already snapshots it; make ${root} not recursive to give it its own policy`,
        });
    }
    const targets = new Set<string>();
    cfg.replication.forEach((job, i) => {
      if (!(job.source in cfg.datasets) && !insideRecursive(job.source)) {
        ctx.addIssue({
          code: 'custom',
          path: ['replication', i, 'source'],
          message: `${job.source} is not in datasets, so the agent makes no snapshots of it to send`,
        });
      }
      const managedTarget = job.target in cfg.datasets ? job.target : insideRecursive(job.target);
      if (managedTarget)
        ctx.addIssue({
          code: 'custom',
          path: ['replication', i, 'target'],
          message: `is snapshotted by datasets.${managedTarget}; a replication target must only receive`,
        });
      if (targets.has(job.target))
        ctx.addIssue({ code: 'custom', path: ['replication', i, 'target'], message: `${job.target} is the target of another job` });
      targets.add(job.target);
    });
    if (Object.keys(cfg.datasets).length === 0 && cfg.replication.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['datasets'], message: 'nothing to do: no datasets and no replication jobs' });
    }
  });

export type RawConfig = z.output<typeof configSchema>;

export interface DatasetConfig {
  name: string;
  recursive: boolean;
  policy: Policy;
}

export interface ReplicationJob {
  name: string;
  source: string;
  target: string;
  policy: Policy;
  force: boolean;
  raw: 'auto' | 'always' | 'never';
}

export interface AgentConfig {
  prefix: string;
  capacityLimit: number;
  intervalMs: number;
  sendTimeoutMs: number;
  datasets: DatasetConfig[];
  replication: ReplicationJob[];
}

type PolicyKeys = Partial<Record<Period | 'min_keep', number>>;

function resolvePolicy(raw: RawConfig, own: PolicyKeys & { template?: string }): Policy {
  const base: PolicyKeys = own.template ? (raw.templates[own.template] ?? {}) : {};
  const keep = Object.fromEntries(PERIODS.map((p) => [p, own[p] ?? base[p] ?? 0])) as KeepCounts;
  return { keep, minKeep: own.min_keep ?? base.min_keep ?? 1, frequentMs: raw.frequent_period };
}

/** Pure: the validated YAML turned into what the planner uses (templates merged, defaults applied). */
export function resolveConfig(raw: RawConfig): AgentConfig {
  return {
    prefix: raw.prefix,
    capacityLimit: raw.capacity_limit,
    intervalMs: raw.interval,
    sendTimeoutMs: raw.send_timeout,
    datasets: Object.entries(raw.datasets).map(([name, ds]) => ({ name, recursive: ds.recursive, policy: resolvePolicy(raw, ds) })),
    replication: raw.replication.map((job) => ({
      name: job.name,
      source: job.source,
      target: job.target,
      policy: resolvePolicy(raw, job),
      force: job.force,
      raw: job.raw,
    })),
  };
}

export function parseConfig(text: string, source = 'config'): AgentConfig {
  return resolveConfig(parseYamlConfig(configSchema, text, source));
}

export function loadConfig(path: string): AgentConfig {
  return resolveConfig(loadYamlConfig(configSchema, path));
}

/** The env of every command; the structured settings come from the YAML file. */
export const envSchema = z.object({
  ...commonEnvShape,
  ZFS_AGENT_CONFIG: z.string().optional(),
  ZFS_AGENT_ZFS: z.string().default('zfs'),
  ZFS_AGENT_LOCK: z.string().default('/tmp/zfs-agent.lock'),
});
export type AgentEnv = z.output<typeof envSchema>;

export const envDocs: EnvDoc[] = [
  { name: 'ZFS_AGENT_CONFIG', description: 'YAML config file (the --config flag wins)' },
  { name: 'ZFS_AGENT_ZFS', description: 'the zfs command', default: 'zfs' },
  { name: 'ZFS_AGENT_LOCK', description: 'lock file held during a cycle (once vs run)', default: '/tmp/zfs-agent.lock' },
];

export const zfsAgentEnv: SidecarEnv<typeof envSchema> = { schema: envSchema, prefixes: ['ZFS_AGENT_'], docs: envDocs };

/** The YAML config named by `--config` or ZFS_AGENT_CONFIG. */
export function agentConfigFrom(env: AgentEnv, flags: Record<string, unknown>): AgentConfig {
  const path = (flags.config as string | undefined) ?? env.ZFS_AGENT_CONFIG;
  if (!path) throw new UsageError('no config: pass --config FILE or set ZFS_AGENT_CONFIG');
  return loadConfig(path);
}
