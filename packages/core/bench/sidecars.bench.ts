// Every long-running sidecar, bundled as it ships: time from spawn to a live health server and
// idle RSS, next to a bare node:http server and a bare fastify server with one route (the floor of
// the health server every sidecar keeps), both started the same way in the same run (DESIGN 8).
// Goals (issue 13): idle RSS <= fastify floor + 6 MiB; spawn-to-ready <= 2x bare node:http.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchRow, bundleScript, httpRequest, percentile, reportBench, sleep } from '../../testkit/src/index.js';

const root = process.env.HOMELAB_REPO_ROOT ?? process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'bench-sidecars-'));
const path = (...parts: string[]) => join(dir, ...parts);
for (const d of ['world/region', 'pool', 'map', 'backup-state', 'rcon', 'cgit']) mkdirSync(path(d), { recursive: true });
writeFileSync(path('password'), 'bench-password\n');
writeFileSync(path('renderer.sh'), '#!/bin/sh\nsleep 3600\n', { mode: 0o755 });

// Minimal valid settings; upstreams (Minecraft, borg repo) are absent, which a live /healthz tolerates.
const sidecars: Record<string, Record<string, string>> = {
  'rcon-bridge': { RCON_PASSWORD_FILE: path('password'), BRIDGE_SOCKET: path('rcon', 'rcon.sock') },
  'mc-backup': {
    BORG_REPO: path('borg-repo'),
    BORG_PASSPHRASE_FILE: path('password'),
    BACKUP_RCON_SOCKET: path('rcon', 'backup.sock'),
    BACKUP_SOURCE: path('world'),
    BACKUP_STAGING: path('backup-state', 'staging'),
    BACKUP_STATE_DIR: path('backup-state'),
  },
  'map-watcher': {
    MAP_WORLD: path('world'),
    MAP_OUTPUT: path('map', 'current'),
    MAP_STAGING: path('map-staging'),
    MAP_RENDERER: path('renderer.sh'),
  },
  'cgit-config': { CGIT_REPOS: path('pool'), CGIT_CONFIG_OUT: path('cgit', 'cgitrc'), CGIT_LIGHTTPD_OUT: path('cgit', 'lighttpd.conf') },
};

const bareHttp = `
import { createServer } from 'node:http';
import { unlinkSync } from 'node:fs';
try { unlinkSync(process.env.HEALTH_LISTEN); } catch {}
const server = createServer((req, res) => { res.writeHead(200); res.end('{"status":"ok"}'); });
server.listen(process.env.HEALTH_LISTEN);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const bareFastify = `
import Fastify from 'fastify';
import { unlinkSync } from 'node:fs';
try { unlinkSync(process.env.HEALTH_LISTEN); } catch {}
const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ path: process.env.HEALTH_LISTEN });
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
`;

async function measure(file: string, env: Record<string, string>): Promise<{ liveMs: number; rssMiB: number }> {
  const socket = path(`${Math.random().toString(36).slice(2)}.sock`);
  const started = performance.now();
  const child = spawn(process.execPath, [file], {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn', HEALTH_LISTEN: socket },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await httpRequest(socket, '/healthz', { timeoutMs: 1000 }).catch(() => undefined);
    if (res?.status === 200) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${file} did not serve /healthz (exit ${child.exitCode})`);
    await sleep(2);
  }
  const liveMs = performance.now() - started;
  await sleep(2000);
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const rssMiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  return { liveMs, rssMiB };
}

const bare = await bundleScript(dir, 'bare-http', bareHttp);
const fastify = await bundleScript(dir, 'bare-fastify', bareFastify);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const median = (xs: number[]) => percentile(xs, 50);
const sample = async (file: string, env: Record<string, string>) => {
  const samples: { liveMs: number; rssMiB: number }[] = [];
  for (let i = 0; i < runs; i++) samples.push(await measure(file, env));
  return { liveMs: median(samples.map((m) => m.liveMs)), rssMiB: median(samples.map((m) => m.rssMiB)) };
};
const base = await sample(bare, {});
const floor = await sample(fastify, {});
const rssLimit = floor.rssMiB + 6;
const rows: BenchRow[] = [
  {
    bench: 'sidecars',
    metric: `bare fastify, one route: spawn to live (median of ${runs})`,
    value: floor.liveMs,
    unit: 'ms',
    baseline: base.liveMs,
    baselineLabel: 'bare node:http',
  },
  {
    bench: 'sidecars',
    metric: `bare fastify, one route: idle RSS (median of ${runs})`,
    value: floor.rssMiB,
    unit: 'MiB',
    baseline: base.rssMiB,
    baselineLabel: 'bare node:http',
  },
];
for (const [app, env] of Object.entries(sidecars)) {
  const bundle = join(root, 'apps', app, 'dist', 'main.js');
  const m = await sample(bundle, env);
  rows.push(
    {
      bench: 'sidecars',
      metric: `${app}: spawn to live /healthz (median of ${runs})`,
      value: m.liveMs,
      unit: 'ms',
      baseline: base.liveMs,
      baselineLabel: 'bare node:http',
      goal: 'ratio <= 2',
      met: m.liveMs <= 2 * base.liveMs,
    },
    {
      bench: 'sidecars',
      metric: `${app}: idle RSS (median of ${runs})`,
      value: m.rssMiB,
      unit: 'MiB',
      baseline: floor.rssMiB,
      baselineLabel: 'bare fastify',
      goal: `<= fastify + 6 = ${rssLimit.toFixed(1)} MiB`,
      met: m.rssMiB <= rssLimit,
    },
    {
      bench: 'sidecars',
      metric: `${app}: idle RSS vs bare node:http`,
      value: m.rssMiB,
      unit: 'MiB',
      baseline: base.rssMiB,
      baselineLabel: 'bare node:http',
    },
  );
}
reportBench(rows);
rmSync(dir, { recursive: true, force: true });
