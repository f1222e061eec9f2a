import { readFileSync } from 'node:fs';
import { ConfigError } from '@homelab/core';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const example = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';

function issues(yaml: string): string {
  try {
    parseConfig(yaml);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('config', () => {
  it('the README example parses, templates merged with inline overrides', () => {
    const config = parseConfig(example);
    expect(config.capacityLimit).toBe(80);
    expect(config.intervalMs).toBe(15 * 60_000);
    const git = config.datasets.find((d) => d.name === 'storage/git');
    expect(git?.policy.keep).toEqual({ frequently: 0, hourly: 48, daily: 30, weekly: 8, monthly: 12, yearly: 0 });
    expect(git?.policy.minKeep).toBe(3);
    expect(config.datasets.find((d) => d.name === 'storage/data')?.recursive).toBe(true);
    expect(config.replication[0]).toMatchObject({ name: 'data', source: 'storage/data', target: 'backup/data', force: false, raw: 'auto' });
    expect(config.replication[0]?.policy.keep.daily).toBe(90);
  });

  it('defaults: prefix zfs-agent, limit 80%, min_keep 1', () => {
    const config = parseConfig('datasets:\n  tank/a: { hourly: 2 }\n');
    expect(config).toMatchObject({ prefix: 'zfs-agent', capacityLimit: 80 });
    expect(config.datasets[0]?.policy.minKeep).toBe(1);
  });

  it.each([
    ['datasets:\n  tank/a: { hourly: -1 }\n', 'datasets.tank/a.hourly'],
    ['datasets:\n  tank/a: { hourly: 1, weekly: two }\n', 'datasets.tank/a.weekly'],
    ['datasets:\n  tank/a: { template: nope }\n', 'datasets.tank/a.template: unknown template "nope"'],
    ['datasets:\n  tank/a: { hourly: 1, hourlies: 2 }\n', 'datasets.tank/a.hourlies: unknown key'],
    ['capacity_limit: 120%\ndatasets:\n  tank/a: { hourly: 1 }\n', 'capacity_limit'],
    ['interval: soon\ndatasets:\n  tank/a: { hourly: 1 }\n', 'interval'],
    ['prefix: "bad prefix"\ndatasets:\n  tank/a: { hourly: 1 }\n', 'prefix'],
    ['replication:\n  - { name: a, source: tank/a, target: tank/a/copy }\n', 'replication.0.target: must not be the source or inside it'],
    [
      'replication:\n  - { name: a, source: tank/a, target: b/a }\n  - { name: a, source: tank/b, target: b/b }\n',
      'replication.1.name: duplicate job name',
    ],
    ['replication:\n  - { name: a, source: tank/a, target: b/a, raw: sometimes }\n', 'replication.0.raw'],
    ['{}\n', 'datasets: nothing to do'],
    [
      'datasets:\n  tank: { hourly: 1, recursive: true }\n  tank/a: { hourly: 2 }\n',
      'datasets.tank/a: is inside the recursive dataset tank',
    ],
    [
      'datasets:\n  tank/a: { hourly: 1 }\nreplication:\n  - { name: a, source: tank/b, target: b/a }\n',
      'replication.0.source: tank/b is not in datasets',
    ],
    [
      'datasets:\n  tank/a: { hourly: 1 }\n  b: { hourly: 1, recursive: true }\nreplication:\n  - { name: a, source: tank/a, target: b/a }\n',
      'replication.0.target: is snapshotted by datasets.b',
    ],
    [
      'datasets:\n  tank/a: { hourly: 1 }\n  tank/b: { hourly: 1 }\nreplication:\n  - { name: a, source: tank/a, target: b/a }\n  - { name: b, source: tank/b, target: b/a }\n',
      'replication.1.target: b/a is the target of another job',
    ],
  ])('refuses %j naming %s', (yaml, key) => {
    expect(issues(yaml)).toContain(key);
  });
});
