// `mc-backup verify latest` on the 1 GiB world of the freeze bench (bench-world.ts), against
// `borg extract` alone of the same archive (what any restore costs): the ratio is what reading
// the world as the game would (level.dat, every region header, every chunk inflated and parsed,
// every file hashed and compared with the staged manifest) adds to the extract.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
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
import { generateWorld, REGIONS, WORLD_BYTES } from './bench-world.js';

const ROUNDS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  const base = await makeTempDir('mc-backup-verify-bench-');
  const world = join(base, 'world');
  const t0 = Date.now();
  generateWorld(world);
  process.stderr.write(`generated ${REGIONS} region files (${WORLD_BYTES / 1024 ** 3} GiB) in ${Date.now() - t0} ms\n`);
  const mc = await startFakeMinecraft({ world, args: ['--regions', '4', '--region-kib', '64', '--write-interval-ms', '50'] });
  const env = {
    BORG_BASE_DIR: join(base, 'borg-base'),
    BORG_REPO: join(base, 'repo'),
    BACKUP_SOURCE: world,
    BACKUP_STAGING: join(base, 'staging'),
    BACKUP_STATE_DIR: join(base, 'state'),
    BACKUP_RCON_SOCKET: `127.0.0.1:${mc.port}`,
    BACKUP_RCON_PASSWORD: mc.password,
    BACKUP_ANNOUNCE: 'off',
  };
  const borgEnv = { ...process.env, ...env };
  const init = spawnSync('borg', ['init', '--encryption', 'none'], { env: borgEnv, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`borg init: ${init.stderr}`);
  const backup = startProcess(process.execPath, [appBundle('mc-backup'), 'now'], { env, label: 'mc-backup now' });
  if ((await backup.waitExit(15 * 60_000)).code !== 0) throw new Error(`backup failed:\n${backup.output.slice(-3000)}`);
  const archive = String((backup.logs().find((l) => l.msg === 'backup finished')?.run as { archive?: string } | undefined)?.archive);

  const extractMs: number[] = [];
  const verifyMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const out = join(base, `extract-${round}`);
    mkdirSync(out);
    const e0 = Date.now();
    const extract = spawnSync('borg', ['extract', `::${archive}`], { env: borgEnv, cwd: out, encoding: 'utf8' });
    extractMs.push(Date.now() - e0);
    if (extract.status !== 0) throw new Error(`borg extract: ${extract.stderr}`);
    spawnSync('rm', ['-rf', out]);

    const v0 = Date.now();
    const verify = startProcess(process.execPath, [appBundle('mc-backup'), 'verify', 'latest'], { env, label: 'mc-backup verify' });
    const exit = await verify.waitExit(15 * 60_000);
    verifyMs.push(Date.now() - v0);
    if (exit.code !== 0) throw new Error(`verify failed:\n${verify.output.slice(-3000)}`);
    process.stderr.write(`round ${round}: borg extract ${extractMs.at(-1)} ms, verify ${verifyMs.at(-1)} ms: ${verify.stdout.join(' ')}\n`);
  }
  const rows: BenchRow[] = [
    {
      bench: 'verify',
      metric: `mc-backup verify latest, 1 GiB world (${REGIONS} regions, ~261k zlib chunks), median of ${ROUNDS}`,
      value: median(verifyMs),
      unit: 'ms',
      baseline: median(extractMs),
      baselineLabel: 'borg extract alone',
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
