import { silentLogger } from '@homelab/core';
import { recordingRunner } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { fixture } from '../test/fixture.js';
import { parseConfig } from './config.js';
import { runCycle } from './cycle.js';
import { detectFeatures, LEGACY_FEATURES } from './features.js';
import { Zfs } from './zfs.js';

const openzfs = detectFeatures({ exitCode: 0, stdout: fixture('openzfs-version.txt') });
const NOW = Date.UTC(2026, 0, 5);
const D = (day: number) => `zfs-agent_2026-01-0${day}T00:00:00Z_daily`;
const log = silentLogger();
const config = parseConfig(`
capacity_limit: 95%
datasets:
  storage/data: { daily: 2, min_keep: 2 }
  storage/git: { daily: 7 }
replication:
  - { name: data, source: storage/data, target: backup/data, daily: 30 }
  - { name: git, source: storage/git, target: backup/git, daily: 30 }
`);

const listing = { match: (a: readonly string[]) => a[0] === 'list', result: { stdout: fixture('openzfs-list.txt') } };

describe('runCycle on recorded OpenZFS output (recording runner)', () => {
  it('snapshots, sends (raw, resumable), moves the holds, prunes; one listing', async () => {
    const { runner, calls } = recordingRunner([listing]);
    const report = await runCycle({ zfs: new Zfs({ runner, log }, openzfs), config, now: NOW, log });
    expect(report.errors).toEqual([]);
    expect(calls.map((c) => c.args.join(' '))).toEqual([
      expect.stringMatching(/^list -H -p -r -t filesystem,volume,snapshot -o name,.* backup storage$/),
      `snapshot storage/data@${D(5)} storage/git@${D(5)}`,
      `send -w -I storage/data@${D(1)} storage/data@${D(5)}`,
      'receive -s backup/data',
      `hold zfs-agent-repl-data storage/data@${D(5)} backup/data@${D(5)}`,
      `release zfs-agent-repl-data storage/data@${D(1)} backup/data@${D(1)}`,
      expect.stringMatching(/^send -t 1-e604ea4bf-e0-/),
      'receive -s backup/git',
      `destroy storage/data@${D(2)}`,
    ]);
    expect(report.replicated.map((r) => r.job)).toEqual(['data', 'git']);
    expect(report.capacity.storage).toBeCloseTo(87); // 90 GiB - 3 GiB pruned, of 100 GiB
  });

  it('a refused receive: a clear error, no holds moved, nothing destroyed on the target', async () => {
    const { runner, calls } = recordingRunner([
      listing,
      {
        match: (a) => a[0] === 'receive' && a.includes('backup/data'),
        result: {
          exitCode: 1,
          stderr: 'cannot receive incremental stream: destination backup/data has been modified\nsince most recent snapshot\n',
        },
      },
    ]);
    const report = await runCycle({ zfs: new Zfs({ runner, log }, openzfs), config, now: NOW, log });
    expect(report.errors).toEqual([
      expect.stringMatching(
        /^replication data: target backup\/data was modified since its last snapshot .*nothing was destroyed on either side.*force: true/,
      ),
    ]);
    expect(calls.some((c) => c.args[0] === 'hold' && c.args[1] === 'zfs-agent-repl-data')).toBe(false);
    expect(calls.filter((c) => c.args[0] === 'destroy' && String(c.args[1]).startsWith('backup/'))).toEqual([]);
  });

  it('OpenZFS releases a stale hold only when `zfs holds` shows its own tag', async () => {
    const inv = fixture('openzfs-list.txt').replace(
      `storage/data@${D(1)}\tsnapshot\t1767225600\t5100000000000000001\t4294967296\t-\t1`,
      `storage/data@${D(1)}\tsnapshot\t1767225600\t5100000000000000001\t4294967296\t-\t2`,
    );
    // The target now shares D(3) with the source: D(1) is an older, still-held base.
    const moved = inv.replace(
      `backup/data@${D(1)}\tsnapshot\t1767225600\t5100000000000000001`,
      `backup/data@${D(3)}\tsnapshot\t1767398400\t5100000000000000003`,
    );
    const { runner, calls } = recordingRunner([
      { match: (a) => a[0] === 'list', result: { stdout: moved } },
      { match: (a) => a[0] === 'holds', result: { stdout: fixture('openzfs-holds.txt') } },
    ]);
    const report = await runCycle({ zfs: new Zfs({ runner, log }, openzfs), config, now: NOW, log });
    expect(report.errors).toEqual([]);
    const args = calls.map((c) => c.args.join(' '));
    expect(args).toContain(`holds -H -p storage/data@${D(1)}`);
    expect(args).toContain(`release zfs-agent-repl-data storage/data@${D(1)}`);
  });

  it('zfs-fuse: one process per snapshot and per destroy, no -w, no -s', async () => {
    const get = fixture('zfs-fuse-get.txt');
    const cfg = parseConfig('datasets:\n  tank/data: { hourly: 1, min_keep: 1 }\n');
    const { runner, calls } = recordingRunner([{ match: (a) => a[0] === 'get', result: { stdout: get } }]);
    const report = await runCycle({ zfs: new Zfs({ runner, log }, LEGACY_FEATURES), config: cfg, now: NOW, log });
    expect(report.created).toEqual([`tank/data@${'zfs-agent_2026-01-05T00:00:00Z_hourly'}`]);
    expect(calls.map((c) => c.args[0])).toEqual(['get', 'snapshot']);
  });
});
