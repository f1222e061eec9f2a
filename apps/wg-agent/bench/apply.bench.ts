// wg-agent's apply (dump, reach rules as one `nft -f`, the peer changes by `wg addconf`) for 1, 50 and 250 peers, against
// a bare `wg syncconf` of the same config in the same run; and the pings a connected peer loses while
// the running agent applies peer changes (goal: none at 10 pings/s). Real wireguard-go, wg and nft in
// namespaces of this bench, removed at the end.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createLogger, createRunner, type Runner } from '@homelab/core';
import {
  createNetns,
  inNetns,
  removeNetnses,
  removeTempDirs,
  reportBench,
  startProcess,
  stopAllProcesses,
  waitFor,
} from '@homelab/testkit';
import { createApplier } from '../src/applier.js';
import { serverSchema } from '../src/config.js';
import { intToIpv4 } from '../src/grammar.js';
import { generatePresharedKey, generatePrivateKey, publicKeyOf } from '../src/keys.js';
import { type DesiredPeer, renderServerConfig } from '../src/wg-config.js';
import { wgTools } from '../src/wg-tools.js';
import { createVpnLab, GIT_SSH, startAgent, startClient } from '../test/vpn-lab.js';

const ROUNDS = 7;
/** An apply runs three processes (dump, nft, addconf) where the baseline runs one. */
const GOAL = 4;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Runs every command inside one namespace. */
function inNamespace(inner: Runner, ns: string): Runner {
  return { run: (command, args, opts) => inner.run('ip', ['netns', 'exec', ns, command, ...args], opts) };
}

function peers(n: number): DesiredPeer[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `p${i}`,
    publicKey: publicKeyOf(generatePrivateKey()),
    ...(i % 2 === 0 ? { presharedKey: generatePresharedKey() } : {}),
    address: intToIpv4(0x0ac80000 + 2 + i),
    reach: i % 3 === 0 ? ['10.1.1.1', '10.1.3.1'] : ['10.1.1.1'],
  }));
}

async function applyTimes(): Promise<void> {
  const ns = createNetns(`b${process.pid.toString(36)}ap`);
  const ifname = `wb${process.pid.toString(36)}`;
  const go = startProcess('ip', ['netns', 'exec', ns, 'wireguard-go', '-f', ifname], {
    env: { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1', LOG_LEVEL: 'error' },
  });
  await waitFor(() => inNetns(ns, 'wg', ['show', ifname]) !== undefined, { timeoutMs: 10_000, what: 'bench interface' });
  const log = createLogger({ name: 'bench', level: 'silent' });
  const runner = inNamespace(createRunner({ log }), ns);
  const tools = wgTools(runner);
  const server = serverSchema.parse({
    interface: ifname,
    address: '10.200.0.1/16',
    endpoint: 'vpn.example.org:51820',
    destinations: { 'git-ssh': '10.1.1.1', 'zfs-web': '10.1.3.1' },
  });
  const applier = createApplier({ server, tools, log });
  const key = generatePrivateKey();
  const empty = async () => {
    await tools.syncconf(ifname, renderServerConfig(server, key, []));
    await tools.loadRuleset('table inet wg_agent\ndelete table inet wg_agent\n');
  };
  for (const n of [1, 50, 250]) {
    const full: number[] = [];
    const change: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const declared = peers(n);
      await empty();
      let started = performance.now();
      await tools.syncconf(ifname, renderServerConfig(server, key, declared));
      bare.push(performance.now() - started);
      await empty();
      started = performance.now();
      await applier.apply(key, declared);
      full.push(performance.now() - started);
      // One peer more on a live interface of n peers: the everyday change.
      const more = [...declared, ...peers(1).map((p) => ({ ...p, name: 'extra', address: intToIpv4(0x0ac80000 + 2 + n) }))];
      started = performance.now();
      await applier.apply(key, more);
      change.push(performance.now() - started);
    }
    const baseline = median(bare);
    reportBench([
      {
        bench: 'wg-agent',
        metric: `apply ${n} peers (empty -> ${n})`,
        value: median(full),
        unit: 'ms',
        baseline,
        baselineLabel: 'bare wg syncconf',
        goal: `ratio <= ${GOAL}`,
        met: median(full) / baseline <= GOAL,
      },
      {
        bench: 'wg-agent',
        metric: `apply +1 peer on ${n}`,
        value: median(change),
        unit: 'ms',
        baseline,
        baselineLabel: 'bare wg syncconf',
        goal: `ratio <= ${GOAL}`,
        met: median(change) / baseline <= GOAL,
      },
    ]);
  }
  await go.stop();
}

async function pingsDuringApply(): Promise<void> {
  const base = 'peers:\n  - { name: alice, address: 10.200.0.2, allow: [git-ssh] }\n';
  // 250 more peers (10.200.0.3-252) so every apply is a full-size one; alice is 10.200.0.2.
  const filler = Array.from({ length: 250 }, (_, i) => `  - { name: f${i}, address: 10.200.0.${3 + i}, allow: [zfs-web] }\n`).join('');
  const lab = await createVpnLab('bp', ['a'], base + filler);
  const agent = startAgent(lab, { WG_INTERVAL: '1s' });
  await agent.waitForLine(/"msg":"started"/, 30_000).catch(async (error) => {
    await agent.stop();
    throw new Error(`${error}\n${agent.output.slice(-2000)}`);
  });
  const a = await startClient(lab, 'alice', 'a');
  await waitFor(() => inNetns(a.ns, 'ping', ['-c', '1', '-W', '1', GIT_SSH]).includes('1 received'), {
    timeoutMs: 15_000,
    what: 'alice connected',
  });
  const count = 100; // 10 s at 10 pings/s
  const pingRun = () =>
    new Promise<string>((resolve) => {
      const out: string[] = [];
      const child = spawn('ip', ['netns', 'exec', a.ns, 'ping', '-i', '0.1', '-c', String(count), '-W', '1', GIT_SSH]);
      child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
      child.on('exit', () => resolve(out.join('')));
    });
  const lost = (summary: string) => count - Number(/(\d+) received/.exec(summary)?.[1] ?? 0);
  // Baseline: the same pings with no apply (what this shared machine loses anyway).
  const quiet = lost(await pingRun());
  const pinger = pingRun();
  // A peer change every second while alice pings: one more peer in, then out again.
  const appliedBefore = agent.stdout.filter((l) => l.includes('"peers applied"')).length;
  for (let i = 0; i < 9; i++) {
    const extra = i % 2 === 0 ? `  - { name: x${i}, address: 10.200.0.254, allow: [git-ssh] }\n` : '';
    writeFileSync(lab.peersFile, base + filler + extra);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const summary = await pinger;
  const applies = agent.stdout.filter((l) => l.includes('"peers applied"')).length - appliedBefore;
  reportBench([
    { bench: 'wg-agent', metric: 'pings lost by a connected peer, no apply (10/s, 10 s)', value: quiet, unit: 'pings' },
    {
      bench: 'wg-agent',
      metric: `pings lost by a connected peer during ${applies} applies of 251-252 peers (10/s, 10 s)`,
      value: lost(summary),
      unit: 'pings',
      goal: '= 0',
      met: lost(summary) === 0,
    },
  ]);
  await agent.stop();
}

try {
  await applyTimes();
  await pingsDuringApply();
} finally {
  await stopAllProcesses();
  removeNetnses();
  await removeTempDirs();
}
