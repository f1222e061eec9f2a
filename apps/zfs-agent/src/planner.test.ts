import { describe, expect, it } from 'vitest';
import { fixture } from '../test/fixture.js';
import { parseConfig } from './config.js';
import { sendCommands } from './cycle.js';
import { detectFeatures, LEGACY_FEATURES } from './features.js';
import { type Inventory, listingCommand, parseListing } from './inventory.js';
import { planCycle } from './planner.js';

const openzfs = detectFeatures({ exitCode: 0, stdout: fixture('openzfs-version.txt') });
const recorded = (): Inventory => parseListing(openzfs, listingCommand(openzfs, ['storage', 'backup']), fixture('openzfs-list.txt'));
const NOW = Date.UTC(2026, 0, 5);
const D = (day: number) => `zfs-agent_2026-01-0${day}T00:00:00Z_daily`;

const config = parseConfig(`
capacity_limit: 80%
templates:
  prod: { daily: 2, min_keep: 2 }
  backup: { daily: 30, min_keep: 1 }
datasets:
  storage/data: { template: prod }
  storage/git: { daily: 7 }
replication:
  - { name: data, source: storage/data, target: backup/data, template: backup }
  - { name: git, source: storage/git, target: backup/git, template: backup }
`);

describe('planCycle on recorded OpenZFS 2.2 output', () => {
  const plan = planCycle(config, openzfs, recorded(), NOW);

  it('creates the due snapshots', () => {
    expect(plan.creates).toEqual([
      { dataset: 'storage/data', snapshot: D(5), period: 'daily', recursive: false },
      { dataset: 'storage/git', snapshot: D(5), period: 'daily', recursive: false },
    ]);
  });

  it('sends raw (-w) and incrementally from the newest snapshot shared by guid, intermediates included', () => {
    const data = plan.replications.find((r) => r.job === 'data');
    expect(data).toMatchObject({ oldBase: D(1), newBase: D(5), sends: [{ from: D(1), to: D(5), raw: true, force: false }] });
    expect(data?.targetAfter).toEqual([D(1), D(2), 'manual-before-upgrade', D(3), D(4), D(5)]);
    const [send, receive] = sendCommands(data as never, data?.sends[0] as never, openzfs.resumableReceive);
    expect(send).toEqual(['send', '-w', '-I', `storage/data@${D(1)}`, `storage/data@${D(5)}`]);
    expect(receive).toEqual(['receive', '-s', 'backup/data']);
  });

  it('resumes an interrupted receive from the target`s receive_resume_token and protects the source meanwhile', () => {
    const git = plan.replications.find((r) => r.job === 'git');
    expect(git?.sends).toHaveLength(1);
    const [send, receive] = sendCommands(git as never, git?.sends[0] as never, true);
    expect(send[0]).toBe('send');
    expect(send.slice(1, 2)).toEqual(['-t']);
    expect(send[2]).toMatch(/^1-e604ea4bf-e0-/);
    expect(receive).toEqual(['receive', '-s', 'backup/git']);
    expect(git?.protect).toEqual([D(4), D(5)]);
  });

  it('retention prunes by policy, keeps the held replication base, never touches a hand-made snapshot', () => {
    expect(plan.destroys.map((d) => `${d.dataset}@${d.snapshot}`)).toEqual([`storage/data@${D(2)}`]);
    const everything = [...plan.destroys, ...plan.guard.flatMap((g) => g.destroys)].map((d) => d.snapshot);
    expect(everything).not.toContain('manual-before-upgrade');
    expect(everything).not.toContain(D(1));
  });

  it('the guard prunes the oldest prunable snapshots of the full pool, above min_keep, and says so', () => {
    expect(plan.guard).toHaveLength(1);
    const guard = plan.guard[0];
    expect(guard).toMatchObject({ pool: 'storage', capacity: 90, limit: 80, blocked: false });
    expect(guard?.destroys.map((d) => `${d.dataset}@${d.snapshot}`)).toEqual([`storage/data@${D(3)}`, `storage/data@${D(4)}`]);
    expect(guard?.destroys[0]?.reason).toBe('capacity 90.0% > 80%');
    // 90 GiB - 3 (retention) - 3 (guard) of 100 GiB
    expect(guard?.estimated).toBeCloseTo(84);
    // storage/data keeps min_keep 2 (its base and the new one); storage/git is protected by the pending resume.
    expect(plan.counts['storage/data']).toBe(2);
  });

  it('a guard with only protected snapshots left is blocked', () => {
    const strict = parseConfig(`
datasets:
  storage/data: { daily: 30, min_keep: 30 }
  storage/git: { daily: 30, min_keep: 30 }
`);
    const p = planCycle(strict, openzfs, recorded(), NOW);
    expect(p.guard).toEqual([expect.objectContaining({ pool: 'storage', blocked: true, destroys: [] })]);
    expect(p.guard[0]?.protectedCount).toBeGreaterThan(0);
  });
});

describe('replication planning', () => {
  it('a missing target gets a full send of the oldest agent snapshot, then -I to the newest, then readonly', () => {
    const inv = recorded();
    inv.datasets.delete('backup/data');
    const data = planCycle(config, openzfs, inv, NOW).replications.find((r) => r.job === 'data');
    expect(data?.sends).toEqual([
      { to: D(1), raw: true, force: false },
      { from: D(1), to: D(5), raw: true, force: false },
    ]);
    expect(data?.setReadonly).toBe(true);
  });

  it('zfs-fuse: no raw send and no receive -s', () => {
    const inv = recorded();
    const data = planCycle(config, LEGACY_FEATURES, inv, NOW).replications.find((r) => r.job === 'data');
    expect(data?.sends[0]?.raw).toBe(false);
    expect(sendCommands(data as never, data?.sends[0] as never, false)[1]).toEqual(['receive', 'backup/data']);
  });

  it('a target with snapshots after the common one has diverged: an error, no send, nothing destroyed there', () => {
    const inv = recorded();
    const target = inv.datasets.get('backup/data');
    target?.snapshots.push({
      dataset: 'backup/data',
      name: 'made-by-hand',
      guid: '77',
      creation: 1767400000,
      used: 0,
      userrefs: 0,
      order: 999,
    });
    const p = planCycle(config, openzfs, inv, NOW);
    const data = p.replications.find((r) => r.job === 'data');
    expect(data?.sends).toEqual([]);
    expect(data?.error).toMatch(/diverged.*made-by-hand.*force: true/);
    expect(p.problems).toContainEqual(expect.stringContaining('replication data: target backup/data diverged'));
    expect(p.destroys.filter((d) => d.dataset === 'backup/data')).toEqual([]);
  });

  it('a target without any common snapshot is refused (no -F by default)', () => {
    const inv = recorded();
    for (const s of inv.datasets.get('backup/data')?.snapshots ?? []) s.guid = '1';
    const data = planCycle(config, openzfs, inv, NOW).replications.find((r) => r.job === 'data');
    expect(data?.error).toMatch(/no snapshot in common/);
  });
});
