// Bridge overhead: command latency (p50/p99) and throughput through the bundled rcon-bridge vs.
// direct RCON to the same fake server, with 1 and 20 clients; idle RSS of the bridge.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RconClient } from '@homelab/rcon';
import {
  type BenchRow,
  makeTempDir,
  percentile,
  removeTempDirs,
  reportBench,
  sleep,
  startApp,
  startFakeMinecraft,
  stopAllProcesses,
} from '@homelab/testkit';

const CLIENTS = 20;

const ms = (ns: bigint) => Number(ns) / 1e6;

async function latencies(client: RconClient, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await client.command(`echo ${i}`);
    out.push(ms(process.hrtime.bigint() - t));
  }
  return out;
}

async function throughput(clients: RconClient[], perClient: number): Promise<{ perSecond: number; lat: number[] }> {
  const lat: number[] = [];
  const t = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (c, ci) => {
      for (let i = 0; i < perClient; i++) {
        const s = process.hrtime.bigint();
        const reply = await c.command(`echo ${ci}-${i}`);
        if (reply !== `${ci}-${i}`) throw new Error(`client ${ci} got "${reply}" for command ${i}`);
        lat.push(ms(process.hrtime.bigint() - s));
      }
    }),
  );
  const seconds = ms(process.hrtime.bigint() - t) / 1000;
  return { perSecond: (clients.length * perClient) / seconds, lat };
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return Number(line?.[1] ?? Number.NaN) / 1024;
}

function cpuMs(pid: number): number {
  // utime + stime in clock ticks (100 per second on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** One fake server (with `delayMs` of server-thread work per command), one bridge, both paths measured. */
async function measure(delayMs: number, label: string, sizes: { rounds: number; perRound: number; perClient: number }): Promise<void> {
  const mc = await startFakeMinecraft({ args: ['--write-interval-ms', '1000', '--command-delay-ms', String(delayMs)] });
  const dir = await makeTempDir('bench-bridge-');
  const socket = join(dir, 'rcon.sock');
  const bridge = await startApp('rcon-bridge', ['run'], {
    env: { RCON_PORT: String(mc.port), RCON_PASSWORD_FILE: mc.passwordFile, BRIDGE_SOCKET: socket, LOG_LEVEL: 'warn' },
  });
  await sleep(2_000);
  const idleRss = rssMiB(bridge.proc.pid);

  const direct = new RconClient({ target: { host: '127.0.0.1', port: mc.port }, password: mc.password });
  const viaBridge = new RconClient({ target: { path: socket }, password: '' });
  await Promise.all([direct.connect(), viaBridge.connect()]);
  await latencies(direct, 100); // warm-up (JIT) on both paths
  await latencies(viaBridge, 100);

  // Interleaved rounds so drift on the shared machine hits both sides alike.
  const dLat: number[] = [];
  const bLat: number[] = [];
  for (let r = 0; r < sizes.rounds; r++) {
    dLat.push(...(await latencies(direct, sizes.perRound)));
    bLat.push(...(await latencies(viaBridge, sizes.perRound)));
  }
  const directOne = await throughput([direct], sizes.perClient * 4);
  const bridgeOne = await throughput([viaBridge], sizes.perClient * 4);

  const many = Array.from({ length: CLIENTS }, () => new RconClient({ target: { path: socket }, password: '' }));
  await Promise.all(many.map((c) => c.connect()));
  await throughput(many, 5); // warm-up
  const cpuBefore = cpuMs(bridge.proc.pid);
  const bridgeMany = await throughput(many, sizes.perClient);
  const bridgeCpuPerCommand = ((cpuMs(bridge.proc.pid) - cpuBefore) * 1000) / (CLIENTS * sizes.perClient);
  const directAgain = await throughput([direct], sizes.perClient * 4);
  const directBase = Math.max(directOne.perSecond, directAgain.perSecond);

  const p50d = percentile(dLat, 50);
  const p50b = percentile(bLat, 50);
  const p99d = percentile(dLat, 99);
  const p99b = percentile(bLat, 99);
  const base = { bench: 'bridge', baselineLabel: 'direct RCON' };
  const rows: BenchRow[] = [
    {
      ...base,
      metric: `${label}: latency p50, 1 client`,
      value: p50b,
      unit: 'ms',
      baseline: p50d,
      goal: 'ratio < 1.3',
      met: p50b / p50d < 1.3,
    },
    { ...base, metric: `${label}: latency p99, 1 client`, value: p99b, unit: 'ms', baseline: p99d },
    { ...base, metric: `${label}: added latency p50, 1 client`, value: (p50b - p50d) * 1000, unit: 'us' },
    { ...base, metric: `${label}: throughput, 1 client`, value: bridgeOne.perSecond, unit: 'cmd/s', baseline: directOne.perSecond },
    {
      ...base,
      metric: `${label}: throughput, ${CLIENTS} clients vs 1 direct conn`,
      value: bridgeMany.perSecond,
      unit: 'cmd/s',
      baseline: directBase,
      goal: 'ratio >= 0.9',
      met: bridgeMany.perSecond / directBase >= 0.9,
    },
    { ...base, metric: `${label}: latency p50, ${CLIENTS} clients`, value: percentile(bridgeMany.lat, 50), unit: 'ms', baseline: p50d },
  ];
  if (delayMs === 0) {
    // CPU time comes in 10 ms ticks: only meaningful for the long zero-work run.
    rows.push({ bench: 'bridge', metric: `${label}: bridge CPU per command, ${CLIENTS} clients`, value: bridgeCpuPerCommand, unit: 'us' });
    rows.push({ bench: 'bridge', metric: 'idle RSS (bundled)', value: idleRss, unit: 'MiB', goal: '< 70 MiB', met: idleRss < 70 });
  }
  reportBench(rows);
  await Promise.all([direct.close(), viaBridge.close(), ...many.map((c) => c.close())]);
  await stopAllProcesses();
}

async function main(): Promise<void> {
  // A fake that answers at once: the bridge's pure protocol overhead (two extra socket hops).
  await measure(0, 'zero-work fake', { rounds: 10, perRound: 300, perClient: 150 });
  // Vanilla runs each command on the server thread, reached via its task queue: model 1 ms.
  await measure(1, 'fake +1 ms server thread', { rounds: 5, perRound: 100, perClient: 25 });
}

try {
  await main();
} finally {
  await stopAllProcesses();
  await removeTempDirs();
}
