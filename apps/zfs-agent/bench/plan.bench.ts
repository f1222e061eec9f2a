// zfs-agent benches: planning time for 100,000 snapshots (pure: listing text in, plan out) and
// the number of zfs processes one steady-state cycle spawns for 20 datasets (recording runner).
import { PassThrough } from 'node:stream';
import type { ProcessRunner, RunResult } from '@homelab/core';
import { silentLogger } from '@homelab/core';
import { reportBench } from '@homelab/testkit';
import { type AgentConfig, parseConfig } from '../src/config.js';
import { runCycle } from '../src/cycle.js';
import { detectFeatures, LEGACY_FEATURES, type ZfsFeatures } from '../src/features.js';
import { type DatasetInfo, listingCommand, parseListing } from '../src/inventory.js';
import { planCycle } from '../src/planner.js';
import { applyRetention, duePeriods } from '../src/retention.js';
import { type AgentSnapshotName, snapshotName } from '../src/snapshot-name.js';
import { Zfs } from '../src/zfs.js';

const OPENZFS = detectFeatures({ exitCode: 0, stdout: 'zfs-2.2.2-1\nzfs-kmod-2.2.2-1\n' });
const H = 3_600_000;
const GiB = 2 ** 30;

/** Renders datasets as the listing command of `features` would print them. */
function renderListing(features: ZfsFeatures, datasets: DatasetInfo[]): string {
  const lines: string[] = [];
  const emit = (name: string, p: Record<string, string | number>) => {
    if (features.parsableList) {
      lines.push([name, p.type, p.creation, p.guid, p.used, p.available, p.userrefs, p.readonly, 'off', '-'].join('\t'));
    } else {
      for (const key of ['type', 'creation', 'guid', 'used', 'available', 'userrefs', 'readonly']) lines.push(`${name}\t${key}\t${p[key]}`);
    }
  };
  for (const ds of datasets) {
    emit(ds.name, {
      type: 'filesystem',
      creation: 1767225600,
      guid: ds.guid,
      used: ds.used,
      available: ds.available,
      userrefs: '-',
      readonly: ds.readonly,
    });
    for (const s of ds.snapshots) {
      emit(`${ds.name}@${s.name}`, {
        type: 'snapshot',
        creation: s.creation,
        guid: s.guid,
        used: s.used,
        available: '-',
        userrefs: s.userrefs,
        readonly: '-',
      });
    }
  }
  return `${lines.join('\n')}\n`;
}

function dataset(name: string, snaps: { name: string; time: number; guid: string; userrefs?: number }[], readonly = 'off'): DatasetInfo {
  return {
    name,
    type: 'filesystem',
    guid: `${name.length}${name.charCodeAt(name.length - 1)}`,
    used: 10 * GiB,
    available: 90 * GiB,
    readonly,
    snapshots: snaps.map((s, order) => ({
      dataset: name,
      name: s.name,
      guid: s.guid,
      creation: Math.floor(s.time / 1000),
      used: 1 << 20,
      userrefs: s.userrefs ?? 0,
      order,
    })),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function time(fn: () => void, runs = 5): number {
  fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

// --- 1. planning 100,000 snapshots: 20 datasets x 5,000 snapshots, half of them due to go.
const NOW = Date.UTC(2026, 6, 1);
const DATASETS = 20;
const PER = 5_000;
const big: DatasetInfo[] = [dataset('storage', [])];
for (let d = 0; d < DATASETS; d++) {
  const snaps = Array.from({ length: PER }, (_, i) => {
    const t = NOW - (PER - i) * 15 * 60_000;
    const period = (['frequently', 'hourly', 'daily', 'weekly'] as const)[i % 4] as 'hourly';
    return { name: snapshotName('zfs-agent', t, period), time: t, guid: `${d}${i}` };
  });
  big.push(dataset(`storage/ds${d}`, snaps));
}
const bigConfig = parseConfig(
  `capacity_limit: 95%\ndatasets:\n${Array.from({ length: DATASETS }, (_, d) => `  storage/ds${d}: { frequently: 800, hourly: 600, daily: 700, weekly: 1250, min_keep: 3 }`).join('\n')}\n`,
);
const listArgs = listingCommand(OPENZFS, ['storage']);
const listText = renderListing(OPENZFS, big);
const getText = renderListing(LEGACY_FEATURES, big);
const inv = parseListing(OPENZFS, listArgs, listText);
let destroys = 0;
const planOnly = time(() => {
  destroys = planCycle(bigConfig, OPENZFS, inv, NOW).destroys.length;
});
const parseOnly = time(() => parseListing(OPENZFS, listArgs, listText));
const parseAndPlan = time(() => planCycle(bigConfig, OPENZFS, parseListing(OPENZFS, listArgs, listText), NOW));
const legacyParseAndPlan = time(() =>
  planCycle(bigConfig, LEGACY_FEATURES, parseListing(LEGACY_FEATURES, listingCommand(LEGACY_FEATURES, ['storage']), getText), NOW),
);
if (destroys === 0) throw new Error('the 100k plan destroyed nothing: the bench is not exercising retention');

reportBench([
  {
    bench: 'zfs-agent',
    metric: `plan 100,000 snapshots (pure, ${destroys} destroys)`,
    value: planOnly,
    unit: 'ms',
    goal: '< 500 ms',
    met: planOnly < 500,
  },
  {
    bench: 'zfs-agent',
    metric: 'parse + plan 100,000 snapshots (OpenZFS list -p)',
    value: parseAndPlan,
    unit: 'ms',
    baseline: parseOnly,
    baselineLabel: 'parsing the listing alone',
  },
  {
    bench: 'zfs-agent',
    metric: 'parse + plan 100,000 snapshots (zfs-fuse get -p, 7 lines each)',
    value: legacyParseAndPlan,
    unit: 'ms',
    baseline: parseAndPlan,
    baselineLabel: 'OpenZFS list -p',
  },
]);

// --- 2. zfs processes in one steady-state cycle for 20 datasets (each replicated to backup/).
function steadyState(config: AgentConfig, cycles: number, start: number): AgentSnapshotName[] {
  const policy = config.datasets[0]?.policy as AgentConfig['datasets'][0]['policy'];
  let model: AgentSnapshotName[] = [];
  for (let i = 0; i < cycles; i++) {
    const now = start + i * H;
    for (const period of duePeriods(model, policy, now)) model.push({ name: snapshotName('zfs-agent', now, period), time: now, period });
    model = applyRetention({ snapshots: model, policy, now }).keep;
  }
  return model;
}

function countingRunner(features: ZfsFeatures, listing: string) {
  const calls: string[][] = [];
  const ok = (stdout = ''): RunResult => ({ stdout, stderr: '', exitCode: 0, durationMs: 1 });
  const runner: ProcessRunner = {
    async run(_command, args) {
      calls.push([...args]);
      if (args[0] === 'version') return features.flavor === 'openzfs' ? ok('zfs-2.2.2-1\n') : { ...ok(), exitCode: 2 };
      if (args[0] === 'get' || args[0] === 'list') return ok(listing);
      return ok();
    },
    start(_command, args) {
      calls.push([...args]);
      const done = Promise.resolve({ failed: false, exitCode: 0, stderr: '', stdout: '' });
      return Object.assign(done, { stdout: new PassThrough(), stdin: new PassThrough(), kill: () => true }) as never;
    },
  };
  return { runner, calls };
}

async function processesPerCycle(features: ZfsFeatures, replicate: boolean): Promise<{ total: number; listing: number }> {
  const yaml = [
    'capacity_limit: 95%',
    'datasets:',
    ...Array.from({ length: DATASETS }, (_, d) => `  storage/ds${d}: { hourly: 24, daily: 7, weekly: 4, monthly: 3, min_keep: 3 }`),
    ...(replicate
      ? [
          'replication:',
          ...Array.from(
            { length: DATASETS },
            (_, d) => `  - { name: ds${d}, source: storage/ds${d}, target: backup/ds${d}, hourly: 24, daily: 7, weekly: 4, monthly: 3 }`,
          ),
        ]
      : []),
  ].join('\n');
  const config = parseConfig(yaml);
  // Hourly cycles for 60 days up to 13:00, then the 14:00 cycle: one hourly due, one to prune.
  const start = Date.UTC(2026, 4, 1, 14);
  const model = steadyState(config, 60 * 24, start);
  const now = start + 60 * 24 * H;
  const datasets: DatasetInfo[] = [dataset('storage', []), dataset('backup', [])];
  for (let d = 0; d < DATASETS; d++) {
    const snaps = model.map((s, i) => ({
      name: s.name,
      time: s.time,
      guid: `${d}-${i}`,
      userrefs: i === model.length - 1 && replicate ? 1 : 0,
    }));
    datasets.push(dataset(`storage/ds${d}`, snaps));
    if (replicate) datasets.push(dataset(`backup/ds${d}`, snaps, 'on'));
  }
  const { runner, calls } = countingRunner(features, renderListing(features, datasets));
  const log = silentLogger();
  const zfs = new Zfs({ runner, log }, features);
  const report = await runCycle({ zfs, config, now, log });
  if (report.errors.length > 0) throw new Error(report.errors.join('; '));
  if (report.created.length === 0) throw new Error('steady-state cycle created nothing');
  return { total: calls.length, listing: calls.filter((c) => c[0] === 'get' || c[0] === 'list').length };
}

const rows = [];
for (const replicate of [false, true]) {
  const legacy = await processesPerCycle(LEGACY_FEATURES, replicate);
  const modern = await processesPerCycle(OPENZFS, replicate);
  const what = replicate ? 'snapshot + retention + replication' : 'snapshot + retention';
  // Per dataset with work, each of its sends is two processes (send | receive).
  const goal = replicate ? 7 : 3;
  for (const [flavor, r] of [
    ['zfs-fuse', legacy],
    ['OpenZFS', modern],
  ] as const) {
    const perDataset = (r.total - r.listing) / DATASETS;
    rows.push({
      bench: 'zfs-agent',
      metric: `zfs processes per cycle, 20 datasets, ${what} (${flavor}; ${r.listing} listing)`,
      value: r.total,
      unit: 'processes',
      ...(flavor === 'OpenZFS' ? { baseline: legacy.total, baselineLabel: 'zfs-fuse' } : {}),
      goal: `<= ${goal} per dataset with work (got ${perDataset.toFixed(2)})`,
      met: perDataset <= goal,
    });
  }
}
reportBench(rows);
