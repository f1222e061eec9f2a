import { readFileSync } from 'node:fs';
import { ConfigError } from '@homelab/core';
import { describe, expect, it } from 'vitest';
import { parseGuardConfig } from './config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const example = readFileSync(new URL('../edge-guard.example.yaml', import.meta.url), 'utf8');

function issue(text: string): string {
  try {
    parseGuardConfig(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('the example config parses, and the README shows it', () => {
    const config = parseGuardConfig(example);
    expect(config.rules.map((r) => r.name)).toEqual(['path-probing', 'method-abuse', 'flood', 'scanners']);
    expect(config.ddns?.names).toEqual(['alice.ddns.example.net', 'bob.ddns.example.net']);
    expect(readme).toContain(example.trim());
  });

  it('defaults: the three default rules, 10 s interval, 10 m first ban', () => {
    const config = parseGuardConfig('log: /var/log/caddy/access.log\n');
    expect(config.rules.map((r) => r.name)).toEqual(['path-probing', 'method-abuse', 'flood']);
    expect(config.interval).toBe(10_000);
    expect(config.bans.base).toBe(600_000);
    expect(config.ddns).toBeUndefined();
  });

  it('ban lengths and memories are log-time spans, not timers: they may pass the 24-day timer limit', () => {
    const config = parseGuardConfig('log: /a\nbans: { max: 30d, forget_after: 365d }\n');
    expect(config.bans.max).toBe(30 * 86_400_000);
    expect(config.bans.forget_after).toBe(365 * 86_400_000);
  });

  it.each([
    ['log: /a\nbans: { forget_after: 400d }\n', /bans\.forget_after: 400d is longer than the maximum/],
    ['log: relative.log\n', /log: expected an absolute path/],
    ['log: /a\nnever_ban: { lab: [10.0.0.0/33] }\n', /never_ban\.lab\.0: expected an address or CIDR/],
    ['log: /a\nbogus: 1\n', /bogus: unknown key/],
    ['log: /a\nddns: { names: ["bad name; rm"] }\n', /ddns\.names\.0: expected a DNS host name/],
    [
      'log: /a\ninterval: 60s\nddns: { names: [a.example], element_timeout: 90s }\n',
      /ddns\.element_timeout: must exceed twice the interval/,
    ],
    ['log: /a\nbans: { base: 1h, max: 10m }\n', /bans\.max: is shorter than bans\.base/],
    [
      'log: /a\nrules: [{ name: x, per_address: { threshold: 1, window: 1m } }, { name: x, per_address: { threshold: 1, window: 1m } }]\n',
      /used twice/,
    ],
    ['log: /a\ninterval: 100d\n', /interval: 100d is longer than the maximum/],
  ])('refuses %j naming the key', (text, pattern) => {
    expect(issue(text)).toMatch(pattern);
  });
});
