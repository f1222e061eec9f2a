// edge-guard bench: lines per second through the parser and the policy, and end to end through
// `replay` (file read, line splitting, parser, policy) of 1,000,000 generated Caddy lines, against
// the bare floor of the same run: JSON.parse of every line and nothing else. Rates are per CPU
// second of this process (process.cpuUsage): the machine is shared, and wall time measures the
// neighbours. The replay row also gives the wall-clock rate.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportBench } from '@homelab/testkit';
import { parseCaddyLine } from '../src/caddy-log.js';
import { parseGuardConfig } from '../src/config.js';
import { decide, emptyPolicyState } from '../src/policy.js';
import { policyOptions } from '../src/policy-options.js';
import { replayFile } from '../src/replay.js';
import { generateLog } from '../test/generate-log.js';

const LINES = 1_000_000;
const GOAL = 50_000;
const policy = policyOptions(parseGuardConfig('log: /var/log/caddy/access.log\n'));

const dir = await mkdtemp(join(tmpdir(), 'edge-guard-bench-'));
try {
  const file = join(dir, 'access.log');
  const out = createWriteStream(file);
  const sample: string[] = [];
  for (const chunk of generateLog({ lines: LINES, startMs: Date.UTC(2026, 11, 1), stepMs: 1 }, 20_000)) {
    if (sample.length < 200_000) sample.push(...chunk.split('\n').filter((l) => l.startsWith('{')));
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve) => out.end(resolve));

  const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const d = process.cpuUsage(since);
    return (d.user + d.system) / 1000;
  };
  const time = (work: () => void) => {
    const started = process.cpuUsage();
    work();
    return cpuMs(started);
  };
  // Warm up, then the median of three runs each.
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[1] as number;
  const runs = (work: () => void) => median([0, 1, 2, 3].map(() => time(work)).slice(1));
  const bare = runs(() => {
    for (const line of sample) JSON.parse(line);
  });
  const parse = runs(() => {
    for (const line of sample) parseCaddyLine(line);
  });
  const pipeline = runs(() => {
    const state = emptyPolicyState();
    for (const line of sample) {
      const e = parseCaddyLine(line);
      if (e) decide(state, policy, e, e.ts);
    }
  });
  const started = performance.now();
  const startedCpu = process.cpuUsage();
  const result = await replayFile(file, policy);
  const replayCpuMs = cpuMs(startedCpu);
  const replayMs = performance.now() - started;

  const floor = rate(sample.length, bare);
  const row = (metric: string, value: number) => ({
    bench: 'edge-guard',
    metric,
    value,
    unit: 'lines/cpu-s',
    baseline: floor,
    baselineLabel: 'bare JSON.parse',
    goal: `>= ${GOAL}`,
    met: value >= GOAL,
  });
  reportBench([
    row('parse (200k lines in memory)', rate(sample.length, parse)),
    row('parse + policy (200k lines in memory)', rate(sample.length, pipeline)),
    row(`replay of ${result.lines} lines (${result.decisions.length} bans)`, rate(result.lines, replayCpuMs)),
    { bench: 'edge-guard', metric: 'replay, wall clock (shared machine)', value: rate(result.lines, replayMs), unit: 'lines/s' },
  ]);
} finally {
  await rm(dir, { recursive: true, force: true });
}
