// map-watcher: RSS and inotify watches while watching a generated 20,000-file world, and
// events-to-renders for a 10,000-event burst; baselines are the owner's inotifywait loop.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest, reportBench, sleep, waitFor } from '@homelab/testkit';

const root = process.env.HOMELAB_REPO_ROOT ?? process.cwd();
const bundle = join(root, 'apps/map-watcher/dist/main.js');
const notesLoop = join(root, 'apps/map-watcher/test/fixtures/notes-map-loop.sh');
const dir = mkdtempSync(join(tmpdir(), 'bench-map-watcher-'));
const children: ChildProcess[] = [];

function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

function inotifyWatches(pid: number): number {
  let watches = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:inotify') continue;
      watches += readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // fd closed meanwhile
    }
  }
  return watches;
}

/** 20,000 render inputs over three dimensions plus player data. */
function generateWorld(path: string): number {
  const layout: [string, number][] = [
    ['region', 6000],
    ['entities', 6000],
    ['DIM-1/region', 3000],
    ['DIM1/region', 3000],
    ['playerdata', 2000],
  ];
  let files = 0;
  for (const [sub, count] of layout) {
    mkdirSync(join(path, sub), { recursive: true });
    for (let i = 0; i < count; i++) {
      const name = sub === 'playerdata' ? `player-${i}.dat` : `r.${i % 100}.${Math.floor(i / 100)}.mca`;
      writeFileSync(join(path, sub, name), `${sub} ${i}`);
      files++;
    }
  }
  return files;
}

/** A renderer that counts its runs and writes one file: the bench measures the watcher, not rendering. */
function countingRenderer(name: string): { command: string; count: () => number } {
  const binDir = join(dir, `${name}-bin`);
  mkdirSync(binDir);
  const countFile = join(binDir, 'count');
  writeFileSync(countFile, '');
  const command = join(binDir, 'little-a-map');
  writeFileSync(command, `#!/bin/sh\necho run >> '${countFile}'\nmkdir -p "$2" && echo map > "$2/index.html"\n`);
  chmodSync(command, 0o755);
  return { command, count: () => readFileSync(countFile, 'utf8').split('\n').filter(Boolean).length };
}

function start(command: string, args: string[], env: Record<string, string>): { child: ChildProcess; stderr: () => string } {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  children.push(child);
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  return { child, stderr: () => err };
}

async function startWatcher(name: string, world: string, renderer: string, debounce: string) {
  const health = join(dir, `${name}.sock`);
  const proc = start(process.execPath, [bundle, 'run'], {
    MAP_WORLD: world,
    MAP_OUTPUT: join(dir, name, 'www', 'map'),
    MAP_STAGING: join(dir, name, 'staging'),
    MAP_RENDERER: renderer,
    MAP_DEBOUNCE: debounce,
    HEALTH_LISTEN: health,
    LOG_LEVEL: 'warn',
  });
  const started = Date.now();
  await waitFor(async () => (await httpRequest(health, '/readyz').catch(() => ({ status: 0 }))).status === 200, {
    timeoutMs: 120_000,
    what: 'map-watcher ready',
  });
  return { ...proc, health, readyMs: Date.now() - started };
}

async function burst(world: string, events: number, files: number): Promise<void> {
  for (let i = 0; i < events; i++) {
    writeFileSync(join(world, 'region', `r.${i % files}.0.mca`), `burst ${i}`);
    if (i % 500 === 499) await sleep(100);
  }
}

function stopAll(): void {
  for (const child of children) {
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

try {
  // 1. Watching a 20,000-file world.
  const world = join(dir, 'world');
  const files = generateWorld(world);
  const idle = countingRenderer('idle');
  // The same sidecar on an empty world: its fixed cost (node, fastify, pino, prom-client).
  const emptyWorld = join(dir, 'empty-world');
  mkdirSync(join(emptyWorld, 'region'), { recursive: true });
  const empty = await startWatcher('empty', emptyWorld, idle.command, '10m');
  await sleep(2_000);
  const emptyRss = rssMiB(empty.child.pid as number);
  stopAll();
  const watcher = await startWatcher('rss', world, idle.command, '10m');
  await sleep(2_000);
  const rss = rssMiB(watcher.child.pid as number);
  const watches = inotifyWatches(watcher.child.pid as number);
  const notify = start('inotifywait', ['-r', '-m', '-q', '-e', 'modify,create,delete,move', world], {});
  await sleep(500);
  await waitFor(() => inotifyWatches(notify.child.pid as number) > 0, { timeoutMs: 60_000, what: 'inotifywait watches' });
  await sleep(1_000);
  const notifyRss = rssMiB(notify.child.pid as number);
  const notifyWatches = inotifyWatches(notify.child.pid as number);
  reportBench([
    {
      bench: 'watcher',
      metric: `RSS watching a ${files}-file world`,
      value: rss,
      unit: 'MiB',
      baseline: emptyRss,
      baselineLabel: 'map-watcher, empty world',
      goal: '< 120 MiB',
      met: rss < 120,
    },
    { bench: 'watcher', metric: 'RSS of inotifywait -r, same world', value: notifyRss, unit: 'MiB' },
    {
      bench: 'watcher',
      metric: `inotify watches, ${files}-file world`,
      value: watches,
      unit: 'watches',
      baseline: notifyWatches,
      baselineLabel: 'inotifywait -r',
    },
    { bench: 'watcher', metric: `start to ready (initial scan), ${files} files`, value: watcher.readyMs, unit: 'ms' },
  ]);
  stopAll();

  // 2. A 10,000-event burst: renders it causes, map-watcher vs the notes' loop (debounce 2 s each).
  const small = join(dir, 'small-world');
  mkdirSync(join(small, 'region'), { recursive: true });
  for (let i = 0; i < 100; i++) writeFileSync(join(small, 'region', `r.${i}.0.mca`), 'v0');
  const ours = countingRenderer('ours');
  const app = await startWatcher('burst', small, ours.command, '2s');
  await waitFor(() => ours.count() === 1, { timeoutMs: 30_000, what: 'the start render' });
  await burst(small, 10_000, 100);
  await sleep(2_000 + 3_000);
  const ourRenders = ours.count() - 1;
  const metrics = (await httpRequest(app.health, '/metrics')).body;
  const seen = Number(/map_world_changes_total\{[^}]*\} (\d+)/.exec(metrics)?.[1]);
  stopAll();

  const theirs = countingRenderer('notes');
  const shellOut = join(dir, 'shell-out');
  mkdirSync(shellOut);
  const shell = start('bash', [notesLoop], {
    PATH: `${join(dir, 'notes-bin')}:${process.env.PATH}`,
    WORLD_PATH: small,
    TMP_PATH: join(dir, 'shell-tmp'),
    OUTPUT_PATH: shellOut,
    DEBOUNCE: '2',
  });
  await waitFor(() => shell.stderr().includes('Watches established'), { timeoutMs: 30_000, what: 'the notes loop to watch' });
  await burst(small, 10_000, 100);
  await sleep(2_000 + 3_000);
  const theirRenders = theirs.count();
  reportBench([
    {
      bench: 'watcher',
      metric: 'renders for a 10,000-event burst',
      value: ourRenders,
      unit: 'renders',
      baseline: theirRenders,
      baselineLabel: 'notes inotifywait loop',
      goal: '= 1',
      met: ourRenders === 1,
    },
    { bench: 'watcher', metric: 'burst events seen by the watcher', value: seen, unit: 'events' },
  ]);
} finally {
  stopAll();
  rmSync(dir, { recursive: true, force: true });
}
