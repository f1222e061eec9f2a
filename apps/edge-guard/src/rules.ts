import { duration } from '@homelab/core';
import { z } from 'zod';
import type { BucketLimit } from './bucket.js';
import type { AccessEvent } from './caddy-log.js';
import { DAY, span } from './span.js';

const RULE_NAME = /^[a-z][a-z0-9-]{0,39}$/;

const statusItem = z.union([
  z.number().int().min(100).max(599),
  z.string().regex(/^[1-5]xx$/, 'expected a status such as 404 or a class such as 4xx'),
]);

const pattern = z
  .string()
  .min(1)
  .max(200)
  .refine(
    (text) => {
      try {
        new RegExp(text);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'expected a valid regular expression' },
  );

const limitSchema = z.strictObject({
  threshold: z.number().int().min(1).max(100_000),
  window: duration({ min: 1_000, max: 86_400_000 }),
});

export const ruleSchema = z.strictObject({
  name: z.string().regex(RULE_NAME, 'expected lower-case letters, digits and dashes (at most 40)'),
  match: z
    .strictObject({
      status: z.array(statusItem).min(1).optional(),
      method: z
        .array(z.string().regex(/^[A-Z]{1,16}$/, 'expected an upper-case HTTP method'))
        .min(1)
        .optional(),
      host: z
        .array(z.string().regex(/^(\*\.)?[a-z0-9.-]{1,253}$/, 'expected a host name, optionally starting with *.'))
        .min(1)
        .optional(),
      uri_prefix: z.array(z.string().startsWith('/').max(200)).min(1).optional(),
      uri_pattern: pattern.optional(),
      user_agent: pattern.optional(),
    })
    .prefault({}),
  /** `uri`: a hit counts only for a path not yet seen in the current burst (path probing). */
  distinct: z.enum(['uri']).optional(),
  per_address: limitSchema,
  per_prefix64: limitSchema.optional(),
  /** Overrides the first ban time of this rule. */
  ban: span(1_000, 30 * DAY).optional(),
});

export type RuleInput = z.input<typeof ruleSchema>;
export type RuleConfig = z.output<typeof ruleSchema>;

/** What the defaults catch: path probing, method abuse (Caddy answers 405 to anything but GET POST HEAD) and floods. */
export const DEFAULT_RULES: RuleInput[] = [
  {
    name: 'path-probing',
    match: { status: [404] },
    distinct: 'uri',
    per_address: { threshold: 20, window: '60s' },
    per_prefix64: { threshold: 40, window: '60s' },
  },
  {
    name: 'method-abuse',
    match: { status: [405] },
    per_address: { threshold: 10, window: '60s' },
    per_prefix64: { threshold: 20, window: '60s' },
  },
  { name: 'flood', per_address: { threshold: 600, window: '60s' }, per_prefix64: { threshold: 1200, window: '60s' } },
];

/** A rule ready to run: one predicate, its limits. */
export interface CompiledRule {
  name: string;
  matches(event: AccessEvent): boolean;
  distinct: boolean;
  perAddress: BucketLimit;
  perPrefix64?: BucketLimit;
  banMs?: number;
}

export function compileRule(rule: RuleConfig): CompiledRule {
  const tests: ((e: AccessEvent) => boolean)[] = [];
  const m = rule.match;
  if (m.status) {
    const exact = new Set(m.status.filter((s): s is number => typeof s === 'number'));
    const classes = new Set(m.status.filter((s): s is string => typeof s === 'string').map((s) => Number(s[0])));
    tests.push((e) => exact.has(e.status) || classes.has(Math.floor(e.status / 100)));
  }
  if (m.method) {
    const methods = new Set(m.method);
    tests.push((e) => methods.has(e.method));
  }
  if (m.host) {
    const exact = new Set(m.host.filter((h) => !h.startsWith('*.')));
    const suffixes = m.host.filter((h) => h.startsWith('*.')).map((h) => h.slice(1));
    tests.push((e) => exact.has(e.host) || suffixes.some((s) => e.host.endsWith(s)));
  }
  if (m.uri_prefix) {
    const prefixes = m.uri_prefix;
    tests.push((e) => prefixes.some((p) => e.uri.startsWith(p)));
  }
  if (m.uri_pattern) {
    const re = new RegExp(m.uri_pattern);
    tests.push((e) => re.test(e.uri));
  }
  if (m.user_agent) {
    const re = new RegExp(m.user_agent, 'i');
    tests.push((e) => re.test(e.userAgent));
  }
  return {
    name: rule.name,
    matches: (e) => tests.every((t) => t(e)),
    distinct: rule.distinct === 'uri',
    perAddress: { threshold: rule.per_address.threshold, windowMs: rule.per_address.window },
    ...(rule.per_prefix64 ? { perPrefix64: { threshold: rule.per_prefix64.threshold, windowMs: rule.per_prefix64.window } } : {}),
    ...(rule.ban !== undefined ? { banMs: rule.ban } : {}),
  };
}
