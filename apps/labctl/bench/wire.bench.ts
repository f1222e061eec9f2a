// Time to wire the whole lab (15 veth pairs, 15 namespaces, 15 rulesets) up and down with labctl's
// batched calls (one `ip -batch`, one `nft -f` per namespace), against the same plan run the way the
// notes do it by hand: one `ip`/`nft`/`sysctl` process per command. Real namespaces, cleaned up at the end.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, createRunner } from '@homelab/core';
import { createNetns, removeNetnses, reportBench } from '@homelab/testkit';
import { parseLab } from '../src/load.js';
import { wiredEnds } from '../src/model.js';
import { desiredState, planUp } from '../src/wire/plan.js';
import { wireDown, wireUp } from '../src/wire/wire.js';

const root = process.env.HOMELAB_REPO_ROOT ?? process.cwd();
const parsed = parseLab(readFileSync(join(root, 'lab/lab.yaml'), 'utf8'));
if (!parsed.ok) throw new Error('lab/lab.yaml does not parse');
const lab = parsed.lab;
const prefix = `b${process.pid.toString(36)}-`;
const opts = { source: 'named' as const, prefix };
const runner = createRunner({ log: createLogger({ name: 'bench', level: 'silent' }) });
const ROUNDS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function unbatchedUp(): number {
  const started = performance.now();
  const plan = planUp(desiredState(lab), new Map(), (end) => `${prefix}${end}`);
  for (const [end, text] of plan.nft) execFileSync('ip', ['netns', 'exec', `${prefix}${end}`, 'nft', '-f', '-'], { input: text });
  for (const line of plan.createLines) execFileSync('ip', line.split(' '));
  for (const [end, lines] of plan.nsLines) for (const line of lines) execFileSync('ip', ['-n', `${prefix}${end}`, ...line.split(' ')]);
  for (const [end, args] of plan.sysctl)
    for (const a of args) execFileSync('ip', ['netns', 'exec', `${prefix}${end}`, 'sysctl', '-q', '-w', a]);
  return performance.now() - started;
}

function unbatchedDown(): number {
  const started = performance.now();
  for (const link of lab.links) execFileSync('ip', ['-n', `${prefix}${link.a.end}`, 'link', 'del', link.a.ifname ?? link.name]);
  for (const end of wiredEnds(lab)) execFileSync('ip', ['netns', 'exec', `${prefix}${end}`, 'nft', 'delete', 'table', 'inet', 'labctl']);
  for (const edge of [lab.hubs.public.edge, lab.hubs.private.edge])
    execFileSync('ip', ['netns', 'exec', `${prefix}${edge}`, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=0']);
  return performance.now() - started;
}

try {
  for (const end of wiredEnds(lab)) createNetns(`${prefix}${end}`);
  const up: number[] = [];
  const down: number[] = [];
  const noop: number[] = [];
  const naiveUp: number[] = [];
  const naiveDown: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    up.push((await wireUp(runner, lab, opts)).durationMs);
    noop.push((await wireUp(runner, lab, opts)).durationMs);
    down.push((await wireDown(runner, lab, opts)).durationMs);
    naiveUp.push(unbatchedUp());
    naiveDown.push(unbatchedDown());
  }
  const n = `${lab.links.length} links`;
  reportBench([
    {
      bench: 'labctl',
      metric: `wire up, whole lab (${n})`,
      value: median(up),
      unit: 'ms',
      baseline: median(naiveUp),
      baselineLabel: 'one process per command',
      goal: '< 2000 ms',
      met: median(up) < 2000,
    },
    {
      bench: 'labctl',
      metric: 'wire up again (nothing to change)',
      value: median(noop),
      unit: 'ms',
      goal: '< 2000 ms',
      met: median(noop) < 2000,
    },
    {
      bench: 'labctl',
      metric: `wire down, whole lab (${n})`,
      value: median(down),
      unit: 'ms',
      baseline: median(naiveDown),
      baselineLabel: 'one process per command',
      goal: '< 2000 ms',
      met: median(down) < 2000,
    },
  ]);
} finally {
  removeNetnses();
}
