import { describe, expect, it } from 'vitest';
import { protectedRanges } from './address.js';
import type { AccessEvent } from './caddy-log.js';
import { type BanDecision, banDuration, decide, emptyPolicyState, type PolicyOptions, type PolicyState, sweep } from './policy.js';
import { compileRule, DEFAULT_RULES, ruleSchema } from './rules.js';

const S = 1000;
const M = 60 * S;
const escalation = { baseMs: 10 * M, factor: 4, maxMs: 7 * 24 * 60 * M, forgetMs: 30 * 24 * 60 * M };
const defaults: PolicyOptions = {
  rules: DEFAULT_RULES.map((r) => compileRule(ruleSchema.parse(r))),
  protect: protectedRanges(['192.168.0.0/16', '10.200.0.0/24', '198.51.100.99']),
  escalation,
};

const ev = (ts: number, ip: string, over: Partial<AccessEvent> = {}): AccessEvent => ({
  ts,
  ip,
  status: 200,
  method: 'GET',
  host: 'darkroom.example.org',
  uri: '/',
  userAgent: 'Mozilla/5.0',
  ...over,
});

/** Feeds events in order; returns every decision. */
function run(events: AccessEvent[], opts = defaults, state: PolicyState = emptyPolicyState()): BanDecision[] {
  return events.flatMap((e) => decide(state, opts, e, e.ts));
}

const probes = (ip: string, n: number, spanMs: number, start = 0, path = (i: number) => `/p${i}`) =>
  Array.from({ length: n }, (_, i) => ev(start + Math.floor((i * spanMs) / n), ip, { status: 404, uri: path(i) }));

describe('policy (default rules)', () => {
  const cases: { name: string; events: AccessEvent[]; bans: Partial<BanDecision>[] }[] = [
    {
      name: '30 distinct 404s in 10 s: banned',
      events: probes('203.0.113.5', 30, 10 * S),
      bans: [{ target: '203.0.113.5', rule: 'path-probing', offense: 1 }],
    },
    { name: '30 404s on one path: not probing', events: probes('203.0.113.5', 30, 10 * S, 0, () => '/favicon.ico'), bans: [] },
    { name: '20 distinct 404s in 10 s: at the threshold, not over', events: probes('203.0.113.5', 20, 10 * S), bans: [] },
    { name: '30 distinct 404s over 30 min: drained, not banned', events: probes('203.0.113.5', 30, 30 * M), bans: [] },
    {
      name: '15 405s in 5 s: method abuse',
      events: Array.from({ length: 15 }, (_, i) => ev(Math.floor((i * S) / 3), '203.0.113.6', { status: 405, method: 'PUT' })),
      bans: [{ target: '203.0.113.6', rule: 'method-abuse' }],
    },
    {
      name: '700 requests in 5 s: flood',
      events: Array.from({ length: 700 }, (_, i) => ev(Math.floor((i * 5 * S) / 700), '203.0.113.7')),
      bans: [{ target: '203.0.113.7', rule: 'flood' }],
    },
    { name: 'the lab range probing: never banned', events: probes('192.168.100.2', 40, 5 * S), bans: [] },
    { name: 'the VPN subnet probing: never banned', events: probes('10.200.0.2', 40, 5 * S), bans: [] },
    { name: 'an allowlisted address probing: never banned', events: probes('198.51.100.99', 40, 5 * S), bans: [] },
    {
      name: 'one IPv6 address probing: the address',
      events: probes('2001:db8:1:2::5', 30, 10 * S),
      bans: [{ target: '2001:db8:1:2::5', rule: 'path-probing' }],
    },
    {
      name: 'probing spread over a /64 (20 paths from each of 3 addresses, each under its own limit): the /64',
      events: [0, 1, 2].flatMap((k) => probes(`2001:db8:1:2::${k + 10}`, 20, 10 * S, 0, (i) => `/k${k}/${i}`)).sort((a, b) => a.ts - b.ts),
      bans: [{ target: '2001:db8:1:2::/64', rule: 'path-probing' }],
    },
  ];
  it.each(cases)('$name', ({ events, bans }) => {
    const decisions = run(events);
    expect(decisions).toHaveLength(bans.length);
    for (const [i, b] of bans.entries()) expect(decisions[i]).toMatchObject(b);
  });

  it('bans for the base time from the event that went over, and explains why', () => {
    const [d] = run(probes('203.0.113.5', 30, 10 * S, 1_000_000));
    expect(d?.until).toBe((d?.at ?? 0) + 10 * M);
    expect(d?.at).toBeGreaterThanOrEqual(1_000_000);
    expect(d?.reason).toMatch(/^path-probing: more than 20 distinct paths per 60s \(last GET 404 \/p\d+\)$/);
  });

  it('ignores a banned address until its ban ends, then escalates a repeat offender', () => {
    const state = emptyPolicyState();
    const first = run(probes('203.0.113.5', 30, 10 * S), defaults, state);
    expect(first).toHaveLength(1);
    expect(run(probes('203.0.113.5', 30, 10 * S, 20 * S), defaults, state)).toEqual([]);
    const second = run(probes('203.0.113.5', 30, 10 * S, 11 * M), defaults, state);
    expect(second).toMatchObject([{ offense: 2 }]);
    expect((second[0]?.until ?? 0) - (second[0]?.at ?? 0)).toBe(40 * M);
  });

  it.each([
    [1, 10 * M],
    [2, 40 * M],
    [3, 160 * M],
    [5, 2560 * M],
    [6, 7 * 24 * 60 * M],
  ])('offense %i bans for %i ms (capped at max)', (offense, ms) => {
    expect(banDuration(escalation, offense)).toBe(ms);
  });

  it('forgets an offender after forget_after', () => {
    const opts = { ...defaults, escalation: { ...escalation, forgetMs: 60 * M } };
    const state = emptyPolicyState();
    run(probes('203.0.113.5', 30, 10 * S), opts, state);
    expect(run(probes('203.0.113.5', 30, 10 * S, 2 * 60 * M), opts, state)).toMatchObject([{ offense: 1 }]);
  });

  it('keeps bounded state: drained buckets and ended bans are swept', () => {
    const state = emptyPolicyState();
    run(
      [...Array.from({ length: 500 }, (_, i) => ev(i, `203.0.${i >> 8}.${i & 255}`)), ...probes('203.0.113.5', 30, 10 * S)],
      defaults,
      state,
    );
    expect(state.buckets.size).toBeGreaterThanOrEqual(500);
    sweep(state, defaults, 2 * 60 * M);
    expect(state.buckets.size).toBe(0);
    expect(state.bans.size).toBe(0);
    expect(state.offenses.size).toBe(1);
  });
});

describe('rules on fields', () => {
  const rule = (match: Record<string, unknown>) =>
    compileRule(ruleSchema.parse({ name: 'r', match, per_address: { threshold: 1, window: '60s' } }));
  it.each([
    [{ status: ['4xx'] }, { status: 403 }, true],
    [{ status: ['4xx'] }, { status: 500 }, false],
    [{ method: ['POST'] }, { method: 'POST' }, true],
    [{ host: ['*.example.org'] }, { host: 'map.example.org' }, true],
    [{ host: ['*.example.org'] }, { host: 'example.net' }, false],
    [{ uri_prefix: ['/wp-'] }, { uri: '/wp-login.php' }, true],
    [{ uri_pattern: '\\.(php|env)$' }, { uri: '/.env' }, true],
    [{ uri_pattern: '\\.(php|env)$' }, { uri: '/index.html' }, false],
    [{ user_agent: 'sqlmap|nikto' }, { userAgent: 'Mozilla/5.0 Nikto' }, true],
    [{ status: [404], method: ['GET'] }, { status: 404, method: 'HEAD' }, false],
  ])('%j matches %j: %s', (match, over, expected) => {
    expect(rule(match).matches(ev(0, '203.0.113.1', over as Partial<AccessEvent>))).toBe(expected);
  });

  it('refuses names and patterns that are not safe', () => {
    expect(ruleSchema.safeParse({ name: 'Bad Name', per_address: { threshold: 1, window: '1m' } }).success).toBe(false);
    expect(ruleSchema.safeParse({ name: 'x', match: { uri_pattern: '(' }, per_address: { threshold: 1, window: '1m' } }).success).toBe(
      false,
    );
    expect(ruleSchema.safeParse({ name: 'x', per_address: { threshold: 1, window: '100ms' } }).success).toBe(false);
  });
});
