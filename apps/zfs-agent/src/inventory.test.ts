import { describe, expect, it } from 'vitest';
import { fixture } from '../test/fixture.js';
import { detectFeatures, LEGACY_FEATURES } from './features.js';
import { listingCommand, parseGetOutput, parseHolds, parseListing, poolCapacity } from './inventory.js';

const openzfs = detectFeatures({ exitCode: 0, stdout: fixture('openzfs-version.txt') });

describe('feature detection', () => {
  it('zfs-fuse has no `zfs version`: the legacy feature set', () => {
    expect(detectFeatures({ exitCode: 2, stdout: '' })).toEqual(LEGACY_FEATURES);
  });
  it('OpenZFS 2.2 (recorded `zfs version`): list -p, destroy lists, holds, encryption, resume', () => {
    expect(openzfs).toMatchObject({
      flavor: 'openzfs',
      version: 'zfs-2.2.2-0ubuntu9.1',
      parsableList: true,
      destroyList: true,
      holdsList: true,
      encryption: true,
      resumableReceive: true,
      bookmarks: true,
    });
  });
});

describe('the listing', () => {
  it('zfs-fuse: one `zfs get -H -p` over the pools', () => {
    expect(listingCommand(LEGACY_FEATURES, ['storage', 'backup'])).toEqual([
      'get',
      '-H',
      '-p',
      '-r',
      '-o',
      'name,property,value',
      'type,creation,guid,used,available,userrefs,readonly',
      'storage',
      'backup',
    ]);
  });

  it('parses recorded zfs-fuse `zfs get` output, snapshots in listing order', () => {
    const inv = parseGetOutput(fixture('zfs-fuse-get.txt'));
    const data = inv.datasets.get('tank/data');
    expect(data?.type).toBe('filesystem');
    expect(data?.snapshots.map((s) => s.name)).toEqual(['a1', 'a2', 'z1', 'y2', 'x3', 'w4', 'v5', 'u6', 'a7', 'b8', 'c9']);
    expect(data?.snapshots[0]).toMatchObject({ dataset: 'tank/data', guid: '9962681191719829267', creation: 1795818131, userrefs: 0 });
    expect(data?.encryption).toBeUndefined();
    expect(poolCapacity(inv, 'tank')?.percent).toBeGreaterThan(0);
  });

  it('OpenZFS: one `zfs list -H -p` line per dataset, with encryption and resume token', () => {
    const args = listingCommand(openzfs, ['storage', 'backup']);
    expect(args).toEqual([
      'list',
      '-H',
      '-p',
      '-r',
      '-t',
      'filesystem,volume,snapshot',
      '-o',
      'name,type,creation,guid,used,available,userrefs,readonly,encryption,receive_resume_token',
      'storage',
      'backup',
    ]);
    const inv = parseListing(openzfs, args, fixture('openzfs-list.txt'));
    expect(inv.datasets.get('storage/data')).toMatchObject({ encryption: 'aes-256-gcm', readonly: 'off' });
    expect(inv.datasets.get('storage/git')?.encryption).toBe('off');
    expect(inv.datasets.get('backup/git')?.resumeToken).toMatch(/^1-e604ea4bf-e0-789c/);
    expect(inv.datasets.get('backup/data')?.resumeToken).toBeUndefined();
    expect(inv.datasets.get('storage/data')?.snapshots[0]).toMatchObject({ used: 4 * 2 ** 30, userrefs: 1, guid: '5100000000000000001' });
    expect(poolCapacity(inv, 'storage')).toEqual({ used: 90 * 2 ** 30, size: 100 * 2 ** 30, percent: 90 });
  });

  it('refuses output it does not understand', () => {
    expect(() => parseListing(openzfs, listingCommand(openzfs, ['x']), 'x\tfilesystem\n')).toThrow(/unexpected zfs list line/);
    expect(() => parseGetOutput('garbage\n')).toThrow(/unexpected zfs get line/);
  });

  it('parses recorded `zfs holds -H -p` output', () => {
    expect(parseHolds(fixture('openzfs-holds.txt'))).toEqual([
      { snapshot: 'storage/data@zfs-agent_2026-01-01T00:00:00Z_daily', tag: 'zfs-agent-repl-data', time: 1767226000000 },
      { snapshot: 'storage/data@zfs-agent_2026-01-01T00:00:00Z_daily', tag: 'admin-keep', time: 1767226100000 },
      { snapshot: 'backup/data@zfs-agent_2026-01-01T00:00:00Z_daily', tag: 'zfs-agent-repl-data', time: 1767226000000 },
    ]);
  });
});
