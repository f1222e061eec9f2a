// Every long-running sidecar, bundled as it ships: time from spawn to a live health server and
// idle RSS, next to a bare node:http server started the same way (DESIGN 8, "every sidecar").
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
const runs = 3;
const median = (xs: number[]) => percentile(xs, 50);
const baseline: { liveMs: number; rssMiB: number }[] = [];
for (let i = 0; i < runs; i++) baseline.push(await measure(bare, {}));
const baseLive = median(baseline.map((m) => m.liveMs));
const baseRss = median(baseline.map((m) => m.rssMiB));
const rows: BenchRow[] = [];
for (const [app, env] of Object.entries(sidecars)) {
  const bundle = join(root, 'apps', app, 'dist', 'main.js');
  const samples: { liveMs: number; rssMiB: number }[] = [];
  for (let i = 0; i < runs; i++) samples.push(await measure(bundle, env));
  rows.push(
    {
      bench: 'sidecars',
      metric: `${app}: spawn to live /healthz (median of ${runs})`,
      value: median(samples.map((s) => s.liveMs)),
      unit: 'ms',
      baseline: baseLive,
      baselineLabel: 'bare node:http',
    },
    {
      bench: 'sidecars',
      metric: `${app}: idle RSS (median of ${runs})`,
      value: median(samples.map((s) => s.rssMiB)),
      unit: 'MiB',
      baseline: baseRss,
      baselineLabel: 'bare node:http',
    },
  );
}
reportBench(rows);
rmSync(dir, { recursive: true, force: true });
