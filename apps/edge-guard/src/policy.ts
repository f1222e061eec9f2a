import { isPrefixTarget, type ProtectedRanges, prefix64, type Target } from './address.js';
import { type Bucket, type BucketLimit, hit, idle } from './bucket.js';
import type { AccessEvent } from './caddy-log.js';
import type { CompiledRule } from './rules.js';

/** A ban the policy decided: what, why, from when until when (log time, ms), and the how-many-th. */
export interface BanDecision {
  target: Target;
  rule: string;
  reason: string;
  at: number;
  until: number;
  offense: number;
}

export interface Escalation {
  baseMs: number;
  factor: number;
  maxMs: number;
  /** An offender's count is forgotten this long after their last ban. */
  forgetMs: number;
}

export interface PolicyOptions {
  rules: readonly CompiledRule[];
  protect: ProtectedRanges;
  escalation: Escalation;
}

export interface Offense {
  count: number;
  last: number;
}

/** Everything the policy remembers; `decide` mutates it (and touches nothing else). */
export interface PolicyState {
  buckets: Map<string, Bucket>;
  offenses: Map<Target, Offense>;
  bans: Map<Target, BanDecision>;
  lastSweep: number;
}

export function emptyPolicyState(): PolicyState {
  return { buckets: new Map(), offenses: new Map(), bans: new Map(), lastSweep: 0 };
}

const SWEEP_EVERY_MS = 60_000;

/** The ban time of the `offense`-th ban: base * factor^(offense-1), at most max. */
export function banDuration(esc: Escalation, offense: number, baseMs = esc.baseMs): number {
  return Math.min(esc.maxMs, Math.round(baseMs * esc.factor ** Math.min(offense - 1, 64)));
}

/** True when `target` (or the /64 of an IPv6 address) is banned at `now`. */
export function isBanned(state: PolicyState, ip: string, now: number): boolean {
  const own = state.bans.get(ip);
  if (own && own.until > now) return true;
  const net = prefix64(ip);
  const prefixBan = net === undefined ? undefined : state.bans.get(net);
  return prefixBan !== undefined && prefixBan.until > now;
}

/**
 * Pure policy: feeds one request into the buckets of every matching rule at time `now` and
 * returns the bans it triggers (none for protected or already banned addresses).
 */
export function decide(state: PolicyState, opts: PolicyOptions, event: AccessEvent, now: number): BanDecision[] {
  if (now - state.lastSweep >= SWEEP_EVERY_MS) sweep(state, opts, now);
  if (opts.protect.has(event.ip) || isBanned(state, event.ip, now)) return [];
  const decisions: BanDecision[] = [];
  const net = prefix64(event.ip);
  for (const rule of opts.rules) {
    if (!rule.matches(event)) continue;
    const key = rule.distinct ? event.uri : undefined;
    if (hit(bucketOf(state, rule.name, event.ip), rule.perAddress, now, key)) {
      decisions.push(ban(state, opts, rule, event.ip, rule.perAddress, event, now));
      break;
    }
    if (net !== undefined && rule.perPrefix64 && hit(bucketOf(state, rule.name, net), rule.perPrefix64, now, key)) {
      decisions.push(ban(state, opts, rule, net, rule.perPrefix64, event, now));
      break;
    }
  }
  return decisions;
}

function bucketOf(state: PolicyState, rule: string, target: Target): Bucket {
  const key = `${rule} ${target}`;
  let bucket = state.buckets.get(key);
  if (!bucket) {
    bucket = { level: 0, last: 0 };
    state.buckets.set(key, bucket);
  }
  return bucket;
}

function ban(
  state: PolicyState,
  opts: PolicyOptions,
  rule: CompiledRule,
  target: Target,
  limit: BucketLimit,
  event: AccessEvent,
  now: number,
): BanDecision {
  const prior = state.offenses.get(target);
  const count = prior && now - prior.last < opts.escalation.forgetMs ? prior.count + 1 : 1;
  state.offenses.set(target, { count, last: now });
  const ms = banDuration(opts.escalation, count, rule.banMs ?? opts.escalation.baseMs);
  const what = rule.distinct ? 'distinct paths' : 'requests';
  const decision: BanDecision = {
    target,
    rule: rule.name,
    reason: `${rule.name}: more than ${limit.threshold} ${what} per ${limit.windowMs / 1000}s${isPrefixTarget(target) ? ' from the /64' : ''} (last ${event.method} ${event.status} ${event.uri.slice(0, 80)})`,
    at: now,
    until: now + ms,
    offense: count,
  };
  state.bans.set(target, decision);
  // A ban clears the target's other buckets: the next offense starts from zero.
  for (const other of opts.rules) state.buckets.delete(`${other.name} ${target}`);
  return decision;
}

/** Forgets drained buckets, expired bans and offenses past their memory: bounded state. */
export function sweep(state: PolicyState, opts: PolicyOptions, now: number): void {
  state.lastSweep = now;
  const limits = new Map(opts.rules.map((r) => [r.name, r]));
  for (const [key, bucket] of state.buckets) {
    const rule = limits.get(key.slice(0, key.indexOf(' ')));
    const limit = key.endsWith('/64') ? rule?.perPrefix64 : rule?.perAddress;
    if (!limit || idle(bucket, limit, now)) state.buckets.delete(key);
  }
  for (const [target, b] of state.bans) if (b.until <= now) state.bans.delete(target);
  for (const [target, o] of state.offenses) if (now - o.last >= opts.escalation.forgetMs) state.offenses.delete(target);
}
