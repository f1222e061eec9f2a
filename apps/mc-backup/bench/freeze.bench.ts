// Freeze window (save-off to save-on, as mc-backup measures it) of the staged sequence (pre-copy
// while saving is on, then the paused catch-up) vs. borg-while-paused (BACKUP_STAGING=none), on a
// generated 1 GiB world (bench-world.ts) of which 2% of the region files changed since the previous backup. Both
// run the bundled mc-backup against the fake server.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  appBundle,
  type BenchRow,
  makeTempDir,
  removeTempDirs,
  reportBench,
  startFakeMinecraft,
  startProcess,
  stopAllProcesses,
} from '../../../packages/testkit/src/index.js';
import { CHANGED, changeSome, generateWorld, REGIONS, WORLD_BYTES } from './bench-world.js';

/** Backups measured per mode (after the first, full one); the table shows the medians. */
const ROUNDS = 3;

interface Mode {
  name: string;
  staging: string | 'none';
}

async function measure(
  mode: Mode,
  world: string,
  mc: { port: number; password: string },
): Promise<{ freezeMs: number; durationMs: number }> {
  const dir = await makeTempDir(`mc-backup-bench-${mode.name}-`);
  const env = {
    BORG_BASE_DIR: join(dir, 'borg-base'),
    BORG_REPO: join(dir, 'repo'),
    BACKUP_SOURCE: world,
    BACKUP_STAGING: mode.staging === 'none' ? 'none' : join(dir, 'staging'),
    BACKUP_STATE_DIR: join(dir, 'state'),
    BACKUP_RCON_SOCKET: `127.0.0.1:${mc.port}`,
    BACKUP_RCON_PASSWORD: mc.password,
    BACKUP_ANNOUNCE: 'off',
    LOG_LEVEL: 'info',
  };
  const init = spawnSync('borg', ['init', '--encryption', 'none'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`borg init: ${init.stderr}`);
  const once = async () => {
    const proc = startProcess(process.execPath, [appBundle('mc-backup'), 'now'], { env, label: `mc-backup ${mode.name}` });
    const exit = await proc.waitExit(15 * 60_000);
    const run = proc.logs().find((l) => l.msg === 'backup finished')?.run as
      | { freezeMs: number; durationMs: number; paused: boolean }
      | undefined;
    if (exit.code !== 0 || !run?.paused) throw new Error(`${mode.name} backup failed:\n${proc.output.slice(-3000)}`);
    return run;
  };
  await once(); // the previous backup: everything is new
  const samples: { freezeMs: number; durationMs: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    changeSome(world, round * 2 + (mode.name === 'staged' ? 0 : 1));
    // "changed since the previous backup", not in the very second the next one starts (the fake
    // server's own regions keep changing meanwhile, as a live server's do)
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const run = await once();
    const steps = run.steps.map((s) => `${s.step} ${s.ms}`).join(', ');
    process.stderr.write(`${mode.name} round ${round}: freeze ${run.freezeMs} ms, whole run ${run.durationMs} ms (${steps})\n`);
    samples.push(run);
  }
  return { freezeMs: median(samples.map((s) => s.freezeMs)), durationMs: median(samples.map((s) => s.durationMs)) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  const base = await makeTempDir('mc-backup-bench-');
  const world = join(base, 'world');
  const t0 = Date.now();
  generateWorld(world);
  process.stderr.write(
    `generated ${REGIONS} region files (${WORLD_BYTES / 1024 ** 3} GiB) in ${Date.now() - t0} ms; ${CHANGED} change per round\n`,
  );
  const mc = await startFakeMinecraft({ world, args: ['--regions', '4', '--region-kib', '64', '--write-interval-ms', '50'] });

  const baseline = await measure({ name: 'paused', staging: 'none' }, world, mc);
  const staged = await measure({ name: 'staged', staging: 'staging' }, world, mc);

  const ratio = staged.freezeMs / baseline.freezeMs;
  const rows: BenchRow[] = [
    {
      bench: 'backup',
      metric: `freeze window (save-off to save-on), 1 GiB world, 2% regions changed, median of ${ROUNDS}`,
      value: staged.freezeMs,
      unit: 'ms',
      baseline: baseline.freezeMs,
      baselineLabel: 'borg while paused',
      goal: 'ratio <= 0.25',
      met: ratio <= 0.25,
    },
    {
      bench: 'backup',
      metric: `whole run (staged incl. borg after save-on), median of ${ROUNDS}`,
      value: staged.durationMs,
      unit: 'ms',
      baseline: baseline.durationMs,
      baselineLabel: 'borg while paused',
    },
  ];
  reportBench(rows);
}

try {
  await main();
} finally {
  await stopAllProcesses();
  await removeTempDirs();
}
