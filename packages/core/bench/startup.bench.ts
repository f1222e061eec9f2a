// Core overhead: a minimal service built with the core (health server, logger, lifecycle),
// bundled like an app, against a bare node:http server: idle RSS and spawn-to-ready time.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleScript, httpRequest, percentile, reportBench, sleep } from '@homelab/testkit-base';

const root = process.env.HOMELAB_REPO_ROOT ?? process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'bench-core-'));

const minimalService = `
import { createLogger, runService } from '${join(root, 'packages/core/src/index.ts')}';
const log = createLogger({ name: 'minimal', level: 'warn' });
process.exitCode = await runService({ name: 'minimal', log, healthListen: process.env.HEALTH_LISTEN, start: async () => {} });
`;
const bareHttp = `
import { createServer } from 'node:http';
import { unlinkSync } from 'node:fs';
try { unlinkSync(process.env.HEALTH_LISTEN); } catch {}
const server = createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ready":true}'); });
server.listen(process.env.HEALTH_LISTEN);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
}

async function measure(file: string): Promise<{ readyMs: number; rssMiB: number }> {
  const socket = join(dir, `${Math.random().toString(36).slice(2)}.sock`);
  const started = performance.now();
  const child = spawn(process.execPath, [file], { env: { ...process.env, HEALTH_LISTEN: socket }, stdio: 'ignore' });
  for (;;) {
    const res = await httpRequest(socket, '/readyz', { timeoutMs: 1000 }).catch(() => undefined);
    if (res?.status === 200) break;
    await sleep(2);
  }
  const readyMs = performance.now() - started;
  await sleep(1500);
  const rssMiB = rssKiB(child.pid as number) / 1024;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  return { readyMs, rssMiB };
}

const service = await bundleScript(dir, 'minimal-service', minimalService);
const bare = await bundleScript(dir, 'bare-http', bareHttp);
const runs = 5;
const svc: { readyMs: number; rssMiB: number }[] = [];
const base: { readyMs: number; rssMiB: number }[] = [];
for (let i = 0; i < runs; i++) {
  base.push(await measure(bare));
  svc.push(await measure(service));
}
const med = (xs: number[]) => percentile(xs, 50);
const readySvc = med(svc.map((s) => s.readyMs));
const readyBase = med(base.map((s) => s.readyMs));
const rssSvc = med(svc.map((s) => s.rssMiB));
const rssBase = med(base.map((s) => s.rssMiB));
reportBench([
  {
    bench: 'core',
    metric: 'spawn to ready (median of 5)',
    value: readySvc,
    unit: 'ms',
    baseline: readyBase,
    baselineLabel: 'bare node:http',
  },
  { bench: 'core', metric: 'idle RSS (median of 5)', value: rssSvc, unit: 'MiB', baseline: rssBase, baselineLabel: 'bare node:http' },
]);
rmSync(dir, { recursive: true, force: true });
