import { isAbsolute } from 'node:path';
import { ConfigError, type ConfigIssue, commonEnvShape, duration, loadYamlConfig, parseYamlConfig } from '@homelab/core';
import { z } from 'zod';
import { parseCidr } from './address.js';
import { DEFAULT_RULES, ruleSchema } from './rules.js';
import { DAY, span } from './span.js';

export const envSchema = z.object({
  ...commonEnvShape,
  EDGE_GUARD_CONFIG: z
    .string()
    .refine(isAbsolute, 'expected an absolute path to the YAML config')
    .default('/etc/edge-guard/edge-guard.yaml'),
  EDGE_GUARD_NFT: z.string().min(1).default('nft'),
});

export const envDocs = [
  {
    name: 'EDGE_GUARD_CONFIG',
    description: 'the YAML config (rules, ranges never banned, DDNS names)',
    default: '/etc/edge-guard/edge-guard.yaml',
  },
  { name: 'EDGE_GUARD_NFT', description: 'the nft command', default: 'nft' },
];

export type EnvConfig = z.output<typeof envSchema>;

const cidr = z.string().refine((v) => parseCidr(v) !== undefined, 'expected an address or CIDR such as 192.168.0.0/16 or fd00::/8');
const absolute = z.string().refine(isAbsolute, 'expected an absolute path');
/** DNS host names: letters, digits, dashes and dots, at most 253 bytes. */
const hostName = z
  .string()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, 'expected a DNS host name');
const dnsServer = z
  .string()
  .regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\])(:\d{1,5})?$|^[0-9a-f:]+$/i, 'expected an address, address:port or [v6]:port');

export const configSchema = z.strictObject({
  /** Caddy's JSON access log (on the caddy-logs volume). */
  log: absolute,
  /** bans, offenders, the log position and the last DDNS answers survive restarts here. */
  state_dir: absolute.default('/var/lib/edge-guard'),
  /** How often the whole table is re-asserted (after a restart, an `nft flush` or a manual edit). */
  interval: duration({ min: 200, max: 3_600_000 }).prefault('10s'),
  /** How often the log is polled for new lines. */
  poll: duration({ min: 20, max: 60_000 }).prefault('250ms'),
  /** Where to begin a log seen for the first time: `end` skips old history. */
  from: z.enum(['start', 'end']).default('end'),
  never_ban: z
    .strictObject({
      lab: z.array(cidr).default([]),
      vpn: z.array(cidr).default([]),
      allow: z.array(cidr).default([]),
    })
    .prefault({}),
  bans: z
    .strictObject({
      base: span(1_000, 30 * DAY).prefault('10m'),
      factor: z.number().min(1).max(100).default(4),
      max: span(1_000, 30 * DAY).prefault('7d'),
      forget_after: span(1_000, 365 * DAY).prefault('30d'),
    })
    .prefault({}),
  rules: z
    .array(ruleSchema)
    .min(1)
    .prefault(DEFAULT_RULES)
    .superRefine((rules, ctx) => {
      const seen = new Set<string>();
      for (const r of rules) {
        if (seen.has(r.name)) ctx.addIssue({ code: 'custom', message: `rule name "${r.name}" is used twice` });
        seen.add(r.name);
      }
    }),
  ddns: z
    .strictObject({
      /** The published TCP port admitted only from the players' addresses. */
      port: z.number().int().min(1).max(65535).default(25565),
      names: z.array(hostName).min(1).max(200),
      /** DNS servers to ask (default: the system's). */
      servers: z.array(dnsServer).optional(),
      ttl_min: span(1_000, DAY).prefault('30s'),
      ttl_max: span(1_000, DAY).prefault('1h'),
      /** How long the last known addresses of a name stay admitted while DNS fails. */
      grace: span(1_000, 30 * DAY).prefault('6h'),
      /** Each admitted element's nft timeout: a dead daemon fails closed after this. */
      element_timeout: span(2_000, DAY).prefault('15m'),
      query_timeout: duration({ min: 100, max: 60_000 }).prefault('3s'),
    })
    .optional(),
});

export type GuardConfig = z.output<typeof configSchema>;

export function loadGuardConfig(path: string): GuardConfig {
  return checked(loadYamlConfig(configSchema, path));
}

export function parseGuardConfig(text: string): GuardConfig {
  return checked(parseYamlConfig(configSchema, text));
}

function checked(config: GuardConfig): GuardConfig {
  const issues: ConfigIssue[] = [];
  if (config.bans.max < config.bans.base) issues.push({ key: 'bans.max', problem: 'is shorter than bans.base' });
  if (config.ddns) {
    if (config.ddns.ttl_max < config.ddns.ttl_min) issues.push({ key: 'ddns.ttl_max', problem: 'is shorter than ddns.ttl_min' });
    if (config.ddns.element_timeout <= config.interval * 2) {
      issues.push({ key: 'ddns.element_timeout', problem: 'must exceed twice the interval (elements would lapse between re-assertions)' });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}
