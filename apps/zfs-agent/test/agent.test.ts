import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRunner, ManualClock, silentLogger } from '@homelab/core';
import { appBundle, makeTempDir, removeTempDirs, startApp, startProcess, stopAllProcesses, waitFor } from '@homelab/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { applyRetention, duePeriods } from '../src/retention.js';
import { type AgentSnapshotName, snapshotName } from '../src/snapshot-name.js';
import { Zfs } from '../src/zfs.js';
import { checksums, destroyStalePools, ensureZfsFuse, poolState, prop, sh, snapshotsOf, TestPools } from './zfs-fuse.js';

// Real zfs-fuse (pool version 23): the daemon is started here when it is not running, pools live on
// file vdevs in a temp dir, and everything is destroyed afterwards, also when a test fails.
let daemon: Awaited<ReturnType<typeof ensureZfsFuse>>;
const pools = new TestPools();
let dir: string;

beforeAll(async () => {
  daemon = await ensureZfsFuse();
  await destroyStalePools();
  dir = await makeTempDir('zfs-agent-it-');
}, 120_000);

afterAll(async () => {
  await stopAllProcesses();
  try {
    await pools.destroyAll();
    // The last test process using it stops a daemon a test started, once no test pool is left.
    await daemon?.release();
  } finally {
    await removeTempDirs();
  }
}, 180_000);

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const iso = (t: number) => new Date(t).toISOString();

function inProcessAgent(yaml: string, clock: ManualClock) {
  const config = parseConfig(yaml);
  const log = silentLogger();
  const zfs = new Zfs({ runner: createRunner({ log }), log });
  return { agent: createAgent({ config, zfs, clock, log }), config };
}

async function writeConfig(name: string, yaml: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, yaml);
  return path;
}

/** Runs the built binary (`node dist/main.js ...`) to its exit. */
async function cli(args: string[], opts: { env?: Record<string, string>; command?: string[] } = {}) {
  const command = opts.command ?? [process.execPath];
  const proc = startProcess(
    command[0] as string,
    [...command.slice(1), ...(opts.command ? [process.execPath] : []), appBundle('zfs-agent'), ...args],
    { env: { LOG_LEVEL: 'info', ZFS_AGENT_LOCK: join(dir, 'agent.lock'), ...opts.env } },
  );
  const exit = await proc.waitExit(60_000);
  return { code: exit.code, stdout: proc.stdout.join('\n'), stderr: proc.stderr.join('\n') };
}

/**
 * zfs-fuse's `zfs send` puts a temporary hold on the snapshots it sends and the daemon drops it a
 * moment after the send ends: wait for the count to settle instead of reading it once.
 */
async function expectHolds(snapshot: string, count: number): Promise<void> {
  let last = '';
  const settled = async () => {
    last = await prop(snapshot, 'userrefs');
    return last === String(count);
  };
  await waitFor(settled, { timeoutMs: 15_000, what: `${snapshot} to have ${count} holds` }).catch(() => {
    throw new Error(`${snapshot} has ${last} holds, expected ${count}`);
  });
}

async function writeRandom(path: string, mb: number): Promise<void> {
  await sh('dd', ['if=/dev/urandom', `of=${path}`, 'bs=1M', `count=${mb}`, 'status=none']);
}

describe.sequential('zfs-agent on real zfs-fuse pools', () => {
  it('over simulated cycles the pool holds exactly what the policy keeps; a hand-made snapshot is never touched', async () => {
    const { pool } = await pools.create(64);
    const ds = `${pool}/data`;
    await sh('zfs', ['create', ds]);
    await sh('zfs', ['create', `${ds}/child`]);
    await sh('zfs', ['snapshot', `${ds}@by-hand`]);
    const clock = new ManualClock(T0);
    const { agent, config } = inProcessAgent(
      `datasets:\n  ${ds}: { recursive: true, hourly: 3, daily: 2, weekly: 1, min_keep: 1 }\n`,
      clock,
    );
    const policy = config.datasets[0]?.policy as NonNullable<(typeof config.datasets)[0]>['policy'];
    let model: AgentSnapshotName[] = [];
    for (let cycle = 0; cycle < 30; cycle++) {
      const now = clock.now();
      const report = await agent.once();
      expect(report.errors).toEqual([]);
      for (const period of duePeriods(model, policy, now)) model.push({ name: snapshotName('zfs-agent', now, period), time: now, period });
      model = applyRetention({ snapshots: model, policy, now }).keep;
      const expected = model.map((s) => s.name).sort();
      expect((await snapshotsOf(ds)).sort()).toEqual(['by-hand', ...expected].sort());
      expect((await snapshotsOf(`${ds}/child`)).sort()).toEqual(expected);
      clock.advance(3 * H);
    }
    // 30 cycles, 3 h apart: 3+ hourlies, 2+ dailies and a weekly remain, nothing else.
    expect(model.filter((s) => s.period === 'hourly').length).toBeGreaterThanOrEqual(3);
    expect(model.filter((s) => s.period === 'daily').length).toBeGreaterThanOrEqual(2);
  });

  it('replication: full then incremental sends, data matches, holds move, killed receive recovers, a modified target is refused', async () => {
    const src = await pools.create(96);
    const dst = await pools.create(96);
    const source = `${src.pool}/data`;
    const target = `${dst.pool}/data`;
    await sh('zfs', ['create', source]);
    await writeRandom(join(src.mount, 'data', 'a.bin'), 2);
    await writeFile(join(src.mount, 'data', 'notes.txt'), 'first\n');
    const config = await writeConfig(
      'repl.yaml',
      `datasets:\n  ${source}: { hourly: 5, min_keep: 2 }\nreplication:\n  - { name: data, source: ${source}, target: ${target}, hourly: 10 }\n`,
    );
    const s1 = snapshotName('zfs-agent', T0, 'hourly');
    const first = await cli(['once', '--config', config, '--now', iso(T0)]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`replicated data: ${source}@${s1}`);
    expect(await snapshotsOf(target)).toEqual([s1]);
    // zfs-fuse reports a mounted dataset's readonly as "off (temporary)"; what counts is that writes fail.
    await expect(writeFile(join(dst.mount, 'data', 'x'), 'x')).rejects.toThrow(/EROFS|read-only/i);
    expect(await checksums(join(dst.mount, 'data'))).toEqual(await checksums(join(src.mount, 'data')));
    await expectHolds(`${source}@${s1}`, 1);
    await expectHolds(`${target}@${s1}`, 1);

    // Incremental: new data, two more cycles.
    await writeRandom(join(src.mount, 'data', 'b.bin'), 2);
    await writeFile(join(src.mount, 'data', 'notes.txt'), 'second\n');
    const s2 = snapshotName('zfs-agent', T0 + H, 'hourly');
    const second = await cli(['once', '--config', config, '--now', iso(T0 + H)]);
    expect(second.code, second.stderr).toBe(0);
    expect(await snapshotsOf(target)).toEqual([s1, s2]);
    expect(await checksums(join(dst.mount, 'data'))).toEqual(await checksums(join(src.mount, 'data')));
    await expectHolds(`${source}@${s2}`, 1);
    await expectHolds(`${target}@${s2}`, 1);
    await expectHolds(`${source}@${s1}`, 0);
    await expectHolds(`${target}@${s1}`, 0);
    // The held base cannot be destroyed, by hand or by a prune.
    await expect(sh('zfs', ['destroy', `${source}@${s2}`])).rejects.toThrow(/busy/);

    // A receive killed halfway: the next run still lands the data.
    await writeRandom(join(src.mount, 'data', 'c.bin'), 6);
    await sh('zfs', ['snapshot', `${source}@by-hand-big`]);
    const stream = await new Promise<Buffer>((resolve, reject) => {
      const p = startProcess('zfs', ['send', '-I', `${source}@${s2}`, `${source}@by-hand-big`]);
      const chunks: Buffer[] = [];
      p.child.stdout?.removeAllListeners('data');
      p.child.stdout?.on('data', (c: Buffer | string) => chunks.push(Buffer.from(c)));
      p.exited.then((e) => (e.code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(p.output))));
    });
    expect(stream.length).toBeGreaterThan(4 * 1024 * 1024);
    const receive = startProcess('zfs', ['receive', target], { stdin: 'pipe' });
    receive.child.stdin?.on('error', () => {});
    receive.child.stdin?.write(stream.subarray(0, Math.floor(stream.length / 2)));
    await new Promise((r) => setTimeout(r, 1_000));
    receive.signal('SIGKILL');
    await receive.waitExit();
    receive.child.stdin?.destroy();
    expect(await snapshotsOf(target)).toEqual([s1, s2]);
    const s3 = snapshotName('zfs-agent', T0 + 2 * H, 'hourly');
    const third = await cli(['once', '--config', config, '--now', iso(T0 + 2 * H)]);
    expect(third.code, third.stderr).toBe(0);
    expect(await snapshotsOf(target)).toEqual([s1, s2, 'by-hand-big', s3]);
    expect(await checksums(join(dst.mount, 'data'))).toEqual(await checksums(join(src.mount, 'data')));

    // A target modified by hand: a clear error, no -F, nothing lost on either side.
    await sh('zfs', ['set', 'readonly=off', target]);
    await writeFile(join(dst.mount, 'data', 'edited-on-backup.txt'), 'precious\n');
    await writeFile(join(src.mount, 'data', 'notes.txt'), 'third\n');
    const sourceBefore = await snapshotsOf(source);
    const fourth = await cli(['once', '--config', config, '--now', iso(T0 + 3 * H)]);
    expect(fourth.code).toBe(1);
    expect(fourth.stdout).toMatch(
      /replication data: target .*\/data was modified since its last snapshot .* nothing was destroyed on either side/,
    );
    expect(await snapshotsOf(target)).toEqual([s1, s2, 'by-hand-big', s3]);
    expect(await snapshotsOf(source)).toEqual([...sourceBefore, snapshotName('zfs-agent', T0 + 3 * H, 'hourly')]);
    expect((await checksums(join(dst.mount, 'data')))['edited-on-backup.txt']).toBeDefined();
    await expectHolds(`${source}@${s3}`, 1);
  });

  it('capacity guard: prunes the oldest agent snapshots under the limit, keeps min_keep and the held base, then stops and reports', async () => {
    const { pool, mount } = await pools.create(96);
    const backup = await pools.create(64);
    const ds = `${pool}/fill`;
    await sh('zfs', ['create', ds]);
    await sh('zfs', ['snapshot', `${ds}@by-hand`]);
    const clock = new ManualClock(T0);
    const withRepl = `datasets:\n  ${ds}: { hourly: 24, min_keep: 3 }\nreplication:\n  - { name: fill, source: ${ds}, target: ${backup.pool}/fill, hourly: 24 }\n`;
    const plain = (limit: string) => `capacity_limit: ${limit}\ndatasets:\n  ${ds}: { hourly: 24, min_keep: 3 }\n`;
    const names: string[] = [];
    for (let i = 0; i < 6; i++) {
      // Each agent snapshot alone holds 6 MiB (~10% of the pool): written, snapshotted, deleted.
      await writeRandom(join(mount, 'fill', `f${i}.bin`), 6);
      const { agent } = inProcessAgent(i === 0 ? withRepl : plain('99%'), clock);
      expect((await agent.once()).errors).toEqual([]);
      names.push(snapshotName('zfs-agent', clock.now(), 'hourly'));
      await sh('rm', [join(mount, 'fill', `f${i}.bin`)]);
      clock.advance(H);
    }
    const base = names[0] as string;
    await expectHolds(`${ds}@${base}`, 1);
    // Fill the pool to about 84% with live data: one pruned snapshot brings it to about 74%.
    const used = Number(await prop(pool, 'used'));
    const size = used + Number(await prop(pool, 'available'));
    await writeRandom(join(mount, 'fill', 'live.bin'), Math.ceil((0.84 * size - used) / 1048576));
    const before = (100 * Number(await prop(pool, 'used'))) / size;
    expect(before).toBeGreaterThan(80);

    const guardConfig = await writeConfig('guard.yaml', plain('80%'));
    const run = await cli(['once', '--config', guardConfig, '--now', iso(clock.now() - H / 2)]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`destroyed  ${ds}@${names[1]} (capacity`);
    expect((100 * Number(await prop(pool, 'used'))) / size).toBeLessThanOrEqual(80);
    expect(await snapshotsOf(ds)).toEqual(['by-hand', base, ...names.slice(2)]);

    // With the limit out of reach, it prunes what it may and reports that nothing more may go.
    const strict = await writeConfig('strict.yaml', plain('10%'));
    const blocked = await cli(['once', '--config', strict, '--now', iso(clock.now() - H / 2)]);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toMatch(/above the limit 10%, and nothing more may be pruned/);
    expect(await snapshotsOf(ds)).toEqual(['by-hand', base, ...names.slice(4)]);
  });

  it('`plan` on a real pool prints the work and changes nothing; `run` serves health and metrics', async () => {
    const { pool } = await pools.create(64);
    const ds = `${pool}/data`;
    await sh('zfs', ['create', ds]);
    await sh('zfs', ['snapshot', `${ds}@${snapshotName('zfs-agent', T0, 'hourly')}`]);
    await sh('zfs', ['snapshot', `${ds}@${snapshotName('zfs-agent', T0 + H, 'hourly')}`]);
    const config = await writeConfig('plan.yaml', `interval: 1h\ndatasets:\n  ${ds}: { hourly: 1, daily: 1, min_keep: 1 }\n`);
    const before = await poolState(pool);
    const plan = await cli(['plan', '--config', config, '--now', iso(T0 + 5 * H)]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`create   ${ds}@${snapshotName('zfs-agent', T0 + 5 * H, 'hourly')}`);
    expect(plan.stdout).toContain(`destroy  ${ds}@${snapshotName('zfs-agent', T0, 'hourly')} (hourly keeps 1)`);
    expect(await poolState(pool)).toBe(before);

    const app = await startApp('zfs-agent', ['run', '--config', config], {
      readyTimeoutMs: 30_000,
      env: { ZFS_AGENT_LOCK: join(dir, 'agent.lock') },
    });
    const metrics = await app.metrics();
    expect(metrics).toContain(`zfs_agent_snapshots{dataset="${ds}",app="zfs-agent"}`);
    expect(metrics).toMatch(new RegExp(`zfs_agent_pool_capacity_percent\\{pool="${pool}",app="zfs-agent"\\} \\d`));
    expect(metrics).toContain('zfs_agent_errors_total{kind="replication",app="zfs-agent"} 0');
    expect((await app.readyz()).status).toBe(200);
    app.proc.signal('SIGTERM');
    expect((await app.proc.waitExit()).code).toBe(0);
  });

  it('bad config, unknown dataset and a down zfs-fuse daemon: clear errors, exit codes, nothing destroyed', async () => {
    const { pool } = await pools.create(64);
    const ds = `${pool}/data`;
    await sh('zfs', ['create', ds]);
    for (let i = 0; i < 3; i++) await sh('zfs', ['snapshot', `${ds}@${snapshotName('zfs-agent', T0 + i * H, 'hourly')}`]);
    const before = await poolState(pool);

    const bad = await writeConfig('bad.yaml', `datasets:\n  ${ds}: { hourly: -1 }\n`);
    const badRun = await cli(['once', '--config', bad]);
    expect(badRun.code).toBe(2);
    expect(badRun.stderr).toContain(`datasets.${ds}.hourly`);

    const unknown = await writeConfig('unknown.yaml', `datasets:\n  ${ds}: { hourly: 1 }\n  ${pool}/nope: { hourly: 1 }\n`);
    const unknownRun = await cli(['once', '--config', unknown, '--now', iso(T0 + 10 * H)]);
    expect(unknownRun.code).toBe(2);
    expect(unknownRun.stderr).toContain(`datasets.${pool}/nope: dataset ${pool}/nope does not exist`);

    // The daemon seen as down: a private mount namespace hides its socket (the real daemon keeps running).
    const good = await writeConfig('good.yaml', `datasets:\n  ${ds}: { hourly: 1 }\n`);
    const down = await cli(['once', '--config', good, '--now', iso(T0 + 10 * H)], {
      command: ['unshare', '-m', 'sh', '-c', 'mount -t tmpfs none /var/run/zfs && exec "$@"', 'sh'],
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/zfs is not available .*zfs-fuse daemon is running/);
    expect(await poolState(pool)).toBe(before);
  });
});
