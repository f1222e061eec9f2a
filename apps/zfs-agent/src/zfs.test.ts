import { silentLogger } from '@homelab/core';
import { recordingRunner } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { fixture } from '../test/fixture.js';
import { detectFeatures, LEGACY_FEATURES } from './features.js';
import { Zfs, ZfsUnavailableError } from './zfs.js';

const openzfs = detectFeatures({ exitCode: 0, stdout: fixture('openzfs-version.txt') });
const log = silentLogger();

describe('Zfs: every call through the runner, batched where the zfs allows', () => {
  it('OpenZFS destroys a dataset`s snapshots with one comma list; zfs-fuse with one process each', async () => {
    const modern = recordingRunner();
    await new Zfs({ runner: modern.runner, log }, openzfs).destroy('storage/data', ['a', 'b', 'c']);
    expect(modern.calls.map((c) => c.args)).toEqual([['destroy', 'storage/data@a,b,c']]);

    const legacy = recordingRunner();
    await new Zfs({ runner: legacy.runner, log }, LEGACY_FEATURES).destroy('storage/data', ['a', 'b']);
    expect(legacy.calls.map((c) => c.args)).toEqual([
      ['destroy', 'storage/data@a'],
      ['destroy', 'storage/data@b'],
    ]);
  });

  it('OpenZFS takes the snapshots of one pool in one call', async () => {
    const { runner, calls } = recordingRunner();
    await new Zfs({ runner, log }, openzfs).snapshot(['storage/a@s', 'storage/b@s', 'backup/c@s'], false);
    expect(calls.map((c) => c.args)).toEqual([
      ['snapshot', 'storage/a@s', 'storage/b@s'],
      ['snapshot', 'backup/c@s'],
    ]);
  });

  it('detects the features with `zfs version` and uses the binary it was given', async () => {
    const { runner, calls } = recordingRunner([{ match: (a) => a[0] === 'version', result: { stdout: fixture('openzfs-version.txt') } }]);
    const zfs = new Zfs({ runner, log, zfsBin: '/sbin/zfs' });
    expect((await zfs.detect()).flavor).toBe('openzfs');
    expect(calls).toEqual([{ command: '/sbin/zfs', args: ['version'] }]);
    const legacy = recordingRunner([
      { match: (a) => a[0] === 'version', result: { exitCode: 2, stderr: "unrecognized command 'version'" } },
    ]);
    expect((await new Zfs({ runner: legacy.runner, log }).detect()).flavor).toBe('zfs-fuse');
  });

  it('OpenZFS: finds its own hold tag with `zfs holds -H -p` (recorded output)', async () => {
    const { runner, calls } = recordingRunner([{ match: (a) => a[0] === 'holds', result: { stdout: fixture('openzfs-holds.txt') } }]);
    const snap = 'storage/data@zfs-agent_2026-01-01T00:00:00Z_daily';
    const other = 'backup/data@zfs-agent_2026-01-01T00:00:00Z_daily';
    const held = await new Zfs({ runner, log }, openzfs).heldBy('zfs-agent-repl-data', [snap, other]);
    expect(calls[0]?.args).toEqual(['holds', '-H', '-p', snap, other]);
    expect(held).toEqual(['storage/data@zfs-agent_2026-01-01T00:00:00Z_daily', 'backup/data@zfs-agent_2026-01-01T00:00:00Z_daily']);
  });

  it('hold and release: one process across pools; an existing or missing tag is fine, other errors are not', async () => {
    const { runner, calls } = recordingRunner([
      {
        match: (a) => a[0] === 'release',
        result: { exitCode: 1, stderr: "cannot release 't' from 'p/a@s': no such tag on this dataset\n" },
      },
      { match: (a) => a[0] === 'hold', result: { exitCode: 1, stderr: "cannot hold 'p/a@s': tag already exists on this dataset\n" } },
    ]);
    const zfs = new Zfs({ runner, log }, LEGACY_FEATURES);
    await zfs.release('t', ['p/a@s', 'q/b@s']);
    await zfs.hold('t', ['p/a@s', 'q/b@s']);
    expect(calls.map((c) => c.args)).toEqual([
      ['release', 't', 'p/a@s', 'q/b@s'],
      ['hold', 't', 'p/a@s', 'q/b@s'],
    ]);
    const other = recordingRunner([
      { match: () => true, result: { exitCode: 1, stderr: "cannot hold 'p/a@s': dataset does not exist\n" } },
    ]);
    await expect(new Zfs({ runner: other.runner, log }, LEGACY_FEATURES).hold('t', ['p/a@s'])).rejects.toThrow(/does not exist/);
  });

  it('a listing with a missing pool still parses the others; the zfs-fuse daemon being down is a clear error', async () => {
    const ok = recordingRunner([
      {
        match: () => true,
        result: { exitCode: 1, stdout: 'tank\ttype\tfilesystem\n', stderr: "cannot open 'nope': dataset does not exist\n" },
      },
    ]);
    const inv = await new Zfs({ runner: ok.runner, log }, LEGACY_FEATURES).list(['tank', 'nope']);
    expect([...inv.datasets.keys()]).toEqual(['tank']);

    const down = recordingRunner([
      {
        match: () => true,
        result: {
          exitCode: 1,
          stderr:
            'connect: No such file or directory\nPlease make sure that the zfs-fuse daemon is running.\ninternal error: failed to initialize ZFS library\n',
        },
      },
    ]);
    const error = await new Zfs({ runner: down.runner, log }, LEGACY_FEATURES).list(['tank']).catch((e) => e);
    expect(error).toBeInstanceOf(ZfsUnavailableError);
    expect(error.message).toMatch(/zfs is not available.*zfs-fuse daemon is running/);
  });
});
