// labctl up / down of the lab subset (rproxy-edge, git-web, mc-server, mc-map: real images on the
// substitute base, podman in the image tests' sandbox) and the time a restarted git-web needs to answer
// through Caddy again. Baselines measured in the same run: the same `podman run` lines by hand, each
// health-polled, without any wiring (what labctl adds is planning, waiting and wiring); `podman rm` by
// hand; and for the restart, `podman restart git-web && labctl up` typed by hand instead of the daemon.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { removeNetnses, removeTempDirs, reportBench } from '@homelab/testkit';
import { upOrder } from '../src/lab/plan.js';
import { runArgs } from '../src/lab/run-args.js';
import { parseLab } from '../src/load.js';
import { nsRun, WAN_HOST_IP } from '../test/lab-netns.js';
import { SUBSET, SUBSET_CONTAINERS, setUpLabSubset, waitFor } from '../test/lab-subset.js';

const exec = promisify(execFile);

const tag = `b${process.pid.toString(36)}`;
const lab = await setUpLabSubset(tag);
const podman = (args: string[]) => lab.images.sandbox.podman(args, { check: false });
const parsed = parseLab(readFileSync(lab.labFile, 'utf8'));
if (!parsed.ok) throw new Error('the bench lab does not parse');
const order = upOrder(parsed.lab, SUBSET);
const ctx = { containerPrefix: '', configDir: join(lab.dir, 'rendered') };
const throughCaddy = async () =>
  (await nsRun(lab.wanNs, 'curl', ['-sf', '-m', '1', '-o', '/dev/null', '-H', 'Host: git.example.org', `http://${WAN_HOST_IP}/`], 5_000))
    .code === 0;
const timed = async (what: string, fn: () => Promise<unknown>) => {
  const started = performance.now();
  await fn();
  const ms = Math.round(performance.now() - started);
  process.stderr.write(`${what}: ${ms} ms\n`);
  return ms;
};
const must = async (args: string[]) => {
  const r = await lab.labctl(args);
  if (r.code !== 0) throw new Error(`labctl ${args[0]} failed: ${r.stderr}${r.stdout}`);
};

try {
  const volumes = [...new Set(order.flatMap((c) => parsed.lab.containers[c]?.volumes.map((v) => v.volume) ?? []))];
  const byHandUp = await timed('podman run by hand', async () => {
    for (const v of volumes) await podman(['volume', 'create', '--ignore', v]);
    for (const c of order) {
      const run = await podman(['run', '-d', ...runArgs(parsed.lab, c, ctx)]);
      if (run.code !== 0) throw new Error(run.stderr);
      await waitFor(async () => (await podman(['healthcheck', 'run', c])).code === 0, `${c} healthy`, 180_000);
    }
  });
  const byHandDown = await timed('podman rm by hand', async () => {
    for (const c of [...order].reverse()) await podman(['rm', '--force', '--time', '10', c]);
  });
  const up = await timed('labctl up', () => must(['up', lab.labFile, '--only', SUBSET.join(',')]));
  const noop = await timed('labctl up again', () => must(['up', lab.labFile, '--only', SUBSET.join(',')]));
  if (!(await throughCaddy())) throw new Error('git-web does not answer through Caddy after up');

  // The restart: by hand (podman restart, then labctl up), then with the daemon following podman events.
  const byHandRestart = await timed('podman restart + labctl up by hand', async () => {
    await podman(['restart', 'git-web']);
    await must(['up', lab.labFile, '--only', SUBSET.join(',')]);
    await waitFor(throughCaddy, 'git-web through Caddy', 30_000);
  });
  const daemon = lab.startDaemon();
  let restart: number;
  let rewireMs: number;
  try {
    await waitFor(
      async () => (await nsRun(lab.hostNs, 'curl', ['-sf', '-m', '2', 'http://127.0.0.1:9000/readyz'])).code === 0,
      'labctl run',
      60_000,
    );
    restart = await timed('podman restart, labctl run re-wires', async () => {
      await podman(['restart', 'git-web']);
      await waitFor(throughCaddy, 'git-web through Caddy', 30_000);
    });
    const health = JSON.parse((await nsRun(lab.hostNs, 'curl', ['-sf', 'http://127.0.0.1:9000/healthz'])).stdout) as {
      lastChange: { durationMs: number };
    };
    rewireMs = health.lastChange.durationMs;
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
  }
  const down = await timed('labctl down', () => must(['down', lab.labFile]));

  reportBench([
    {
      bench: 'labctl',
      metric: `up of ${order.length} containers (healthy, wired)`,
      value: up,
      unit: 'ms',
      baseline: byHandUp,
      baselineLabel: 'same podman run lines by hand, health-polled, no wiring',
    },
    { bench: 'labctl', metric: 'up again (nothing to change)', value: noop, unit: 'ms' },
    {
      bench: 'labctl',
      metric: `down of ${order.length} containers (links, rulesets, names too)`,
      value: down,
      unit: 'ms',
      baseline: byHandDown,
      baselineLabel: 'podman rm by hand, no unwiring',
    },
    {
      bench: 'labctl',
      metric: 'podman restart git-web to answering through Caddy (labctl run)',
      value: restart,
      unit: 'ms',
      baseline: byHandRestart,
      baselineLabel: 'podman restart + labctl up by hand',
      goal: '< 5000 ms',
      met: restart < 5000,
    },
    {
      bench: 'labctl',
      metric: 'labctl run: re-wire pass after the restart event',
      value: rewireMs,
      unit: 'ms',
      goal: '< 2000 ms',
      met: rewireMs < 2000,
    },
  ]);
} finally {
  await lab.images.sandbox.close();
  // The attached names labctl made (down removes them; this is for a failed run).
  for (const c of SUBSET_CONTAINERS) await exec('ip', ['netns', 'delete', `${tag}-${c}`]).catch(() => undefined);
  removeNetnses();
  await removeTempDirs();
}
