// Every long-running sidecar, bundled as it ships: time from spawn to a live health server and
// idle RSS, next to a bare node:http server and a bare fastify server with one route (the floor of
// the health server every sidecar keeps), both started the same way in the same run (DESIGN 8).
// Goals (issue 13): idle RSS <= fastify floor + 6 MiB; spawn-to-ready <= 2x bare node:http, started
// right before each of the sidecar's runs (samplePaired). Idle RSS is read 2 s after /healthz
// answers (median of the runs) and once settled (after V8's memory reducer; in each of the runs all
// side by side, median of the runs), each against the floor read the same way.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchRow, bundleScript, httpRequest, percentile, reportBench, sleep } from '@homelab/testkit-base';

/** A whole number from an env var, checked before anything is made. */
function wholeNumberFromEnv(name: string, fallback: number, min: number, max: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${process.env[name]}"`);
  return value;
}
const runs = wholeNumberFromEnv('BENCH_RUNS', 3, 1, 20);
// RSS once settled is read after this many seconds idle (below); 0 skips it.
const settleMs = wholeNumberFromEnv('BENCH_SETTLE_S', 25, 0, 600) * 1000;

const root = process.env.HOMELAB_REPO_ROOT ?? process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'bench-sidecars-'));
const path = (...parts: string[]) => join(dir, ...parts);
// sshd's StrictModes (which sftp-config checks) refuses keys below a world-writable folder such as /tmp.
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const strictDir = mkdtempSync(join(root, 'bench', 'results', 'sidecars-sftp-'));
chmodSync(strictDir, 0o755);
// Removed however the bench ends (a sidecar that fails to start throws).
process.on('exit', () => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(strictDir, { recursive: true, force: true });
});
mkdirSync(join(strictDir, 'keys'), { mode: 0o755 });
// Its renders are checked with `sshd -t`, which wants its privilege separation folder (the image's entrypoint makes it).
mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
for (const d of [
  'world/region',
  'pool',
  'map',
  'backup-state',
  'rcon',
  'cgit',
  'zfs',
  'edge',
  'stats',
  'sftp/run',
  'wg/peers',
  'wg/state',
  'lab',
])
  mkdirSync(path(d), { recursive: true });
writeFileSync(path('password'), 'bench-password\n');
writeFileSync(path('renderer.sh'), '#!/bin/sh\nsleep 3600\n', { mode: 0o755 });
// No pool of that name exists: each cycle fails and is logged, the daemon stays up (as with zfs down).
writeFileSync(path('zfs', 'config.yaml'), 'datasets:\n  benchpool/data:\n    daily: 7\n');
writeFileSync(path('edge', 'access.log'), '');
writeFileSync(path('edge', 'edge-guard.yaml'), `log: ${path('edge', 'access.log')}\nstate_dir: ${path('edge', 'state')}\n`);
writeFileSync(path('stats', 'access.log'), '');
writeFileSync(path('sftp', 'users.yaml'), 'users: []\n');
// wireguard-go's control socket lives in /run/wireguard, shared by every namespace: a unique name per run.
const wgIf = `wgb${process.pid % 100000}`;
writeFileSync(path('wg', 'wg-agent.yaml'), `interface: ${wgIf}\nlisten_port: 51820\naddress: 10.200.0.1/24\nendpoint: 192.0.2.1:51820\n`);
writeFileSync(path('wg', 'peers', 'peers.yaml'), 'peers: []\n');
mkdirSync(path('filestash', 'storage'), { recursive: true });
mkdirSync(path('filestash', 'backup'));
writeFileSync(
  path('filestash', 'web.yaml'),
  `name: bench\ndatastore: ${path('filestash', 'storage')}\nbackup_pool: [${path('filestash', 'backup')}]\n`,
);
writeFileSync(path('filestash', 'admin.hash'), '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234\n', { mode: 0o600 });
writeFileSync(path('filestash', 'secret.key'), 'k3yK3yk3yK3yk3y0', { mode: 0o600 });
writeFileSync(path('lab', 'lab.yaml'), readFileSync(join(root, 'lab', 'lab.yaml')));

interface Sidecar {
  env: Record<string, string>;
  args?: string[];
  /** A program the bundle runs under (exec'd, so the pid measured is node's), e.g. a fresh network namespace. */
  wrap?: string[];
  note?: string;
}

// Minimal valid settings; upstreams (Minecraft, borg repo, zfs pools, podman containers of the lab) are
// absent, which a live /healthz tolerates. Each service is started as its image starts it: `run`.
const sidecars: Record<string, Sidecar> = {
  'rcon-bridge': { env: { RCON_PASSWORD_FILE: path('password'), BRIDGE_SOCKET: path('rcon', 'rcon.sock') } },
  'mc-backup': {
    env: {
      BORG_REPO: path('borg-repo'),
      BORG_PASSPHRASE_FILE: path('password'),
      BACKUP_RCON_SOCKET: path('rcon', 'backup.sock'),
      BACKUP_SOURCE: path('world'),
      BACKUP_STAGING: path('backup-state', 'staging'),
      BACKUP_STATE_DIR: path('backup-state'),
    },
  },
  'map-watcher': {
    env: {
      MAP_WORLD: path('world'),
      MAP_OUTPUT: path('map', 'current'),
      MAP_STAGING: path('map-staging'),
      MAP_RENDERER: path('renderer.sh'),
    },
  },
  'cgit-config': {
    env: { CGIT_REPOS: path('pool'), CGIT_CONFIG_OUT: path('cgit', 'cgitrc'), CGIT_LIGHTTPD_OUT: path('cgit', 'lighttpd.conf') },
  },
  'zfs-agent': {
    env: { ZFS_AGENT_LOCK: path('zfs', 'agent.lock') },
    args: ['run', '--config', path('zfs', 'config.yaml')],
  },
  'edge-guard': {
    env: { EDGE_GUARD_CONFIG: path('edge', 'edge-guard.yaml') },
    // It asserts its nftables table at start: in a network namespace of its own, not the host's.
    wrap: ['unshare', '--net'],
    note: 'own netns',
  },
  'proxy-stats': { env: { STATS_LOG: path('stats', 'access.log'), STATS_DATA: path('stats', 'data') } },
  'sftp-config': {
    env: {
      SFTP_CONFIG: path('sftp', 'users.yaml'),
      SFTP_SSHD_CONFIG_OUT: path('sftp', 'run', 'sshd_config'),
      SFTP_KEYS_DIR: join(strictDir, 'keys'),
      SFTP_HOST_KEY: path('sftp', 'ssh_host_ed25519_key'),
      // The sshd child is a process of its own; the sidecar is measured rendering only.
      SFTP_SSHD_RUN: 'false',
    },
    note: 'sshd not started',
  },
  'wg-agent': {
    env: {
      WG_CONFIG: path('wg', 'wg-agent.yaml'),
      WG_PEERS: path('wg', 'peers', 'peers.yaml'),
      WG_STATE_DIR: path('wg', 'state'),
      WG_USERSPACE: 'always',
    },
    // It makes a real interface (wireguard-go, its own process) and its nftables table: in a fresh netns.
    wrap: ['unshare', '--net'],
    note: 'own netns, wireguard-go',
  },
  'filestash-config': {
    env: {
      FILESTASH_CONFIG: path('filestash', 'web.yaml'),
      FILESTASH_CONFIG_OUT: path('filestash', 'out', 'config.json'),
      FILESTASH_ADMIN_HASH_FILE: path('filestash', 'admin.hash'),
      FILESTASH_SECRET_KEY_FILE: path('filestash', 'secret.key'),
      // The filestash server is a program of its own; the sidecar is measured rendering and checking mounts.
      FILESTASH_RUN: 'false',
    },
    // Shares are served read-only only from a read-only mount: the datastore bound read-only in a
    // mount namespace of its own (sh execs node, so the pid measured is node's).
    wrap: [
      'unshare',
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      `mount --bind ${path('filestash', 'storage')} ${path('filestash', 'storage')} && mount -o remount,bind,ro ${path('filestash', 'storage')} ${path('filestash', 'storage')} && exec "$@"`,
      'filestash-config',
    ],
    note: 'own mount ns, filestash not started',
  },
  labctl: {
    env: {},
    // `labctl run` follows podman events; the prefix matches no container, so only the host end is
    // wired, and that in a network namespace of its own.
    args: ['run', path('lab', 'lab.yaml'), '--config-dir', path('lab'), '--container-prefix', 'benchmem-'],
    wrap: ['unshare', '--net'],
    note: 'own netns, no lab container running',
  },
};
const only = process.env.BENCH_SIDECARS?.split(',');

// Every process runs with the images' node settings (NODE_ENV, NODE_OPTIONS), read from the one place
// they are set: the ENV line of the runtime base image.
const baseImage = readFileSync(join(root, 'containerfiles', 'runtime-base.Containerfile'), 'utf8');
const imageEnv = Object.fromEntries(
  [...baseImage.matchAll(/\b(NODE_ENV|NODE_OPTIONS)=(\S+)/g)].map((m) => [m[1] as string, m[2] as string]),
);
if (!imageEnv.NODE_OPTIONS) throw new Error('runtime-base.Containerfile sets no NODE_OPTIONS');

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

/** One started process, live: its /healthz answered. */
interface Live {
  liveMs: number;
  rssMiB(): number;
  stop(): Promise<void>;
}

async function startLive(file: string, sidecar: Sidecar): Promise<Live> {
  const { env, args = [], wrap = [] } = sidecar;
  const socket = path(`${Math.random().toString(36).slice(2)}.sock`);
  const command = [...wrap, process.execPath, file, ...args];
  const started = performance.now();
  const child = spawn(command[0] as string, command.slice(1), {
    env: { ...process.env, ...imageEnv, ...env, LOG_LEVEL: 'warn', HEALTH_LISTEN: socket },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-1000);
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await httpRequest(socket, '/healthz', { timeoutMs: 1000 }).catch(() => undefined);
    if (res?.status === 200) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      // One that is still running is not left behind (the bench's folders go with its exit).
      if (child.exitCode === null) child.kill('SIGKILL');
      throw new Error(`${file} did not serve /healthz (exit ${child.exitCode}): ${stderr}`);
    }
    await sleep(2);
  }
  const liveMs = performance.now() - started;
  return {
    liveMs,
    rssMiB: () => {
      // Still running after its start (a failed start exits): idle means up, not crashed.
      if (child.exitCode !== null) throw new Error(`${file} exited (${child.exitCode}) after serving /healthz: ${stderr}`);
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
    },
    stop: async () => {
      // One that already exited (a crash the RSS read reports) has no exit event left to wait for.
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function measure(file: string, sidecar: Sidecar): Promise<{ liveMs: number; rssMiB: number }> {
  const live = await startLive(file, sidecar);
  await sleep(2000);
  const rssMiB = live.rssMiB();
  await live.stop();
  return { liveMs: live.liveMs, rssMiB };
}

/**
 * RSS once settled: V8 keeps the pages its start grew to until its memory reducer compacts the heap,
 * about 8-9 s after the start of a process that has gone idle (`--trace-gc`). In each of `rounds`
 * rounds, one of each is started, all side by side (none of them is busy by then, and RSS is a
 * process's own), and read after `settleMs`; each gets the median of its rounds. One round alone
 * varies by up to 1.4 MiB for a sidecar with periodic work (edge-guard: 55.1 and 56.5 MiB in two
 * runs of the same build), as the memory reducer's last collection falls before or after it.
 */
async function settledRss(entries: [string, string, Sidecar][], settleMs: number, rounds: number): Promise<Map<string, number>> {
  const readings = new Map<string, number[]>(entries.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const started: [string, Live][] = [];
    try {
      for (const [name, file, sidecar] of entries) started.push([name, await startLive(file, sidecar)]);
      await sleep(settleMs);
      for (const [name, live] of started) readings.get(name)?.push(live.rssMiB());
    } finally {
      await Promise.all(started.map(([, live]) => live.stop()));
    }
  }
  return new Map([...readings].map(([name, values]) => [name, percentile(values, 50)]));
}

// The baselines are minified like the apps' payloads (tsup.app.ts: whitespace and syntax) but run
// as plain ES modules, without the apps' launcher, code cache and bundle plugins (bundle-plugins.ts):
// the floor is bare node's, and fastify as it comes (it loads node:https and node:http2).
const bare = await bundleScript(dir, 'bare-http', bareHttp, { minify: true });
const fastify = await bundleScript(dir, 'bare-fastify', bareFastify, { minify: true });
const median = (xs: number[]) => percentile(xs, 50);
const sample = async (file: string, sidecar: Sidecar) => {
  const samples: { liveMs: number; rssMiB: number }[] = [];
  for (let i = 0; i < runs; i++) samples.push(await measure(file, sidecar));
  return { liveMs: median(samples.map((m) => m.liveMs)), rssMiB: median(samples.map((m) => m.rssMiB)) };
};
/**
 * A sidecar's runs, each right after a start of bare node:http (stopped once live): its time is
 * read against the median of those paired starts, so a machine that gets busier or quieter during
 * the bench moves both sides of the ratio alike.
 */
const samplePaired = async (file: string, sidecar: Sidecar) => {
  const samples: { liveMs: number; rssMiB: number }[] = [];
  const bareLive: number[] = [];
  for (let i = 0; i < runs; i++) {
    const baseline = await startLive(bare, { env: {} });
    await baseline.stop();
    bareLive.push(baseline.liveMs);
    samples.push(await measure(file, sidecar));
  }
  return {
    liveMs: median(samples.map((m) => m.liveMs)),
    rssMiB: median(samples.map((m) => m.rssMiB)),
    bareLiveMs: median(bareLive),
  };
};
const base = await sample(bare, { env: {} });
const floor = await sample(fastify, { env: {} });
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
const measured = Object.entries(sidecars).filter(([app]) => !only || only.includes(app));
/** A sidecar's name in the table, with how it was started when that differs from its image. */
const labelOf = (app: string, sidecar: Sidecar) => (sidecar.note ? `${app} (${sidecar.note})` : app);
for (const [app, sidecar] of measured) {
  const bundle = join(root, 'apps', app, 'dist', 'main.js');
  const m = await samplePaired(bundle, sidecar);
  const label = labelOf(app, sidecar);
  rows.push(
    {
      bench: 'sidecars',
      metric: `${label}: spawn to live /healthz (median of ${runs})`,
      value: m.liveMs,
      unit: 'ms',
      baseline: m.bareLiveMs,
      baselineLabel: 'bare node:http, paired',
      goal: 'ratio <= 2',
      met: m.liveMs <= 2 * m.bareLiveMs,
    },
    {
      bench: 'sidecars',
      metric: `${label}: idle RSS (median of ${runs})`,
      value: m.rssMiB,
      unit: 'MiB',
      baseline: floor.rssMiB,
      baselineLabel: 'bare fastify',
      goal: `<= fastify + 6 = ${rssLimit.toFixed(1)} MiB`,
      met: m.rssMiB <= rssLimit,
    },
    {
      bench: 'sidecars',
      metric: `${label}: idle RSS vs bare node:http`,
      value: m.rssMiB,
      unit: 'MiB',
      baseline: base.rssMiB,
      baselineLabel: 'bare node:http',
    },
  );
}
// What a sidecar holds for the rest of its life, after V8's memory reducer (BENCH_SETTLE_S=0 skips it).
if (settleMs > 0) {
  const settled = await settledRss(
    [
      ['bare node:http', bare, { env: {} }],
      ['bare fastify', fastify, { env: {} }],
      ...measured.map(([app, sidecar]): [string, string, Sidecar] => [app, join(root, 'apps', app, 'dist', 'main.js'), sidecar]),
    ],
    settleMs,
    runs,
  );
  const settledFloor = settled.get('bare fastify') as number;
  const settledLimit = settledFloor + 6;
  const seconds = settleMs / 1000;
  rows.push({
    bench: 'sidecars',
    metric: `bare fastify, one route: RSS settled (${seconds} s idle, median of ${runs})`,
    value: settledFloor,
    unit: 'MiB',
    baseline: settled.get('bare node:http') as number,
    baselineLabel: 'bare node:http',
  });
  for (const [app, sidecar] of measured) {
    const label = labelOf(app, sidecar);
    rows.push({
      bench: 'sidecars',
      metric: `${label}: RSS settled (${seconds} s idle, median of ${runs})`,
      value: settled.get(app) as number,
      unit: 'MiB',
      baseline: settledFloor,
      baselineLabel: 'bare fastify',
      goal: `<= fastify + 6 = ${settledLimit.toFixed(1)} MiB`,
      met: (settled.get(app) as number) <= settledLimit,
    });
  }
}
reportBench(rows);
