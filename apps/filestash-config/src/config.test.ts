import { ConfigError, parseYamlConfig } from '@homelab/core';
import { describe, expect, it } from 'vitest';
import { sharesFileSchema } from './config.js';

const parse = (yaml: string) => parseYamlConfig(sharesFileSchema, yaml, 'web.yaml');
const refusal = (yaml: string): string => {
  try {
    parse(yaml);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${yaml}`);
};

describe('the shares YAML', () => {
  it('without shares: the whole datastore, read-only', () => {
    const file = parse('{}');
    expect(file.datastore).toBe('/srv/storage');
    expect(file.shares).toEqual([{ name: 'storage', path: '', access: 'ro' }]);
    expect(file.backup_pool).toEqual(['/zfs/backup']);
  });

  it('a share is read-only unless declared rw', () => {
    const file = parse('shares:\n  - { name: all }\n  - { name: inbox, path: fotografija/inbox, access: rw }\n');
    expect(file.shares.map((s) => `${s.name}:${s.path}:${s.access}`)).toEqual(['all::ro', 'inbox:fotografija/inbox:rw']);
  });

  it.each([
    ['shares: [{ name: "x\\"y" }]', 'shares.0.name'],
    ['shares: [{ name: "a\\nb" }]', 'shares.0.name'],
    ['shares: [{ name: a, path: "../../zfs/backup" }]', 'shares.0.path'],
    ['shares: [{ name: a, path: "x\\" y" }]', 'shares.0.path'],
    ['shares: [{ name: a, access: write }]', 'shares.0.access'],
    ['shares: [{ name: a, readonly: false }]', 'shares.0.readonly'],
    ['shares: [{ name: a }, { name: a }]', 'shares.1.name'],
    ['shares: []', 'shares'],
    ['name: "<b>x</b>"', 'name'],
    ['datastore: relative', 'datastore'],
    ['datastore: /zfs/backup', 'datastore'],
    ['datastore: /zfs', 'datastore'],
    ['datastore: /zfs/backup/x', 'datastore'],
    ['backup_pool: [/srv/storage/backup]\nshares: [{ name: b, path: backup }]', 'shares.0.path'],
    ['backup_pool: [/]', 'backup_pool.0'],
    ['listen: 0.0.0.0', 'listen'],
  ])('refuses %j naming %s', (yaml, key) => {
    expect(refusal(yaml)).toContain(`${key}:`);
  });
});
