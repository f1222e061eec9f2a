import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { netnsPrefix, sleep, useCleanup, waitFor } from '@homelab/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT_A,
  CLIENT_B,
  createEdgeLab,
  curlFrom,
  type EdgeLab,
  edgeGuardCli,
  type Guard,
  nsRun,
  setElements,
  startGuard,
} from './edge-lab.js';

// Acceptance: real Caddy in an edge namespace writes its JSON access log, edge-guard runs in the
// "host" namespace under labctl's real host ruleset, a WAN namespace probes through the DNAT.

const INTERVAL_MS = 1000;
// "Within one interval" is measured from outside with nft listings that take their own time on a
// busy machine: the bound is the interval plus 1 s of slack.
const BASE_S = 20;
let lab: EdgeLab;
let config: string;
let guard: Guard;

useCleanup('all');

beforeAll(async () => {
  lab = await createEdgeLab(netnsPrefix('egb'), { allowlist: false });
  config = join(lab.dir, 'edge-guard.yaml');
  await writeFile(
    config,
    [
      `log: ${lab.accessLog}`,
      `state_dir: ${join(lab.dir, 'state')}`,
      'interval: 1s',
      'poll: 100ms',
      'from: start',
      'never_ban: { lab: [192.168.100.0/23], vpn: [10.200.0.0/24] }',
      `bans: { base: ${BASE_S}s, factor: 4, max: 1h }`,
      '',
    ].join('\n'),
  );
  guard = await startGuard(lab, config);
}, 60_000);

interface Ban {
  target: string;
  rule: string;
  reason: string;
  at: number;
  until: number;
  offense: number;
}

async function dropRule(): Promise<boolean> {
  const r = await nsRun(lab.host, 'nft', ['list', 'chain', 'inet', 'edge_guard', 'prerouting']);
  return r.code === 0 && r.stdout.includes('ip saddr @ban4 drop');
}

async function bans(): Promise<Ban[]> {
  const r = await edgeGuardCli(lab, config, ['bans', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Ban[];
}

/** 30 distinct 404 paths in about 10 s; stops once a request is dropped. Returns when the ban showed up in the set. */
async function probe(from: string, tag: string): Promise<{ firstSeenInSet: number; statuses: number[] }> {
  let firstSeenInSet = 0;
  let watching = true;
  const watcher = (async () => {
    while (watching && firstSeenInSet === 0) {
      if ((await setElements(lab, 'ban4')).includes(from)) firstSeenInSet = Date.now();
      else await sleep(50);
    }
  })();
  const statuses: number[] = [];
  for (let i = 0; i < 30; i++) {
    const started = Date.now();
    const status = await curlFrom(lab, from, `/${tag}-${i}.php`);
    statuses.push(status);
    if (status === 0) break;
    await sleep(Math.max(0, 333 - (Date.now() - started)));
  }
  await waitFor(() => firstSeenInSet > 0, { timeoutMs: 5_000, what: `${from} in ban4` });
  watching = false;
  await watcher;
  return { firstSeenInSet, statuses };
}

describe("bans from Caddy's log (real Caddy, real nft, namespaces)", () => {
  let first: Ban;

  it('30 distinct 404s in 10 s: banned within 2 s, the next request dropped at the host, another client unaffected', async () => {
    const { firstSeenInSet, statuses } = await probe(CLIENT_A, 'probe');
    expect(statuses.slice(0, 20).every((s) => s === 404)).toBe(true);
    const listed = await bans();
    expect(listed).toHaveLength(1);
    first = listed[0] as Ban;
    expect(first).toMatchObject({ target: CLIENT_A, rule: 'path-probing', offense: 1 });
    expect(first.reason).toMatch(/^path-probing: more than 20 distinct paths per 60s \(last GET 404 \/probe-\d+\.php\)$/);
    expect(first.until - first.at).toBe(BASE_S * 1000);
    // `at` is the log time of the request that went over the threshold.
    expect(firstSeenInSet - first.at).toBeLessThanOrEqual(2000);

    expect(await curlFrom(lab, CLIENT_A, '/after-ban', 2)).toBe(0);
    expect(await readFile(lab.accessLog, 'utf8')).not.toContain('/after-ban');
    expect(await curlFrom(lab, CLIENT_B, '/ok')).toBe(200);
    expect(await curlFrom(lab, CLIENT_B, '/unknown')).toBe(404);

    const metrics = await guard.metrics();
    expect(metrics).toMatch(/edge_guard_bans_active\{app="edge-guard"\} 1/);
    expect(metrics).toMatch(/edge_guard_rule_hits_total\{rule="path-probing",app="edge-guard"\} 1/);
    expect(Number(/edge_guard_lines_parsed_total\{app="edge-guard"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(21);
  });

  it('after an nft flush of the table the ban is back within one interval', async () => {
    // Flush and look in one go, before a re-assertion can come in between.
    const flushed = await nsRun(lab.host, 'sh', ['-c', 'nft flush table inet edge_guard && nft list table inet edge_guard']);
    expect(flushed.code, flushed.stderr).toBe(0);
    const at = Date.now();
    expect(flushed.stdout).not.toContain('@ban4 drop');
    await waitFor(async () => (await dropRule()) && (await setElements(lab, 'ban4')).includes(CLIENT_A), {
      timeoutMs: 5_000,
      what: 'the ban back after a flush',
    });
    expect(Date.now() - at).toBeLessThanOrEqual(INTERVAL_MS + 1000);
    expect(await curlFrom(lab, CLIENT_A, '/after-flush', 2)).toBe(0);
  });

  it('after a daemon restart (and the table gone, as after a reboot) the ban is back within one interval', async () => {
    await guard.proc.stop();
    const deleted = await nsRun(lab.host, 'nft', ['delete', 'table', 'inet', 'edge_guard']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await curlFrom(lab, CLIENT_A, '/ok')).toBe(200);
    guard = await startGuard(lab, config, 'edge-guard-2');
    const ready = Date.now();
    await waitFor(async () => (await setElements(lab, 'ban4')).includes(CLIENT_A), {
      timeoutMs: 5_000,
      what: 'the ban back after a restart',
    });
    expect(Date.now() - ready).toBeLessThanOrEqual(INTERVAL_MS + 1000);
    expect(await curlFrom(lab, CLIENT_A, '/after-restart', 2)).toBe(0);
    expect(await bans()).toEqual([first]);
  });

  it('the ban expires on time', async () => {
    await sleep(Math.max(0, first.until - Date.now() - 1500));
    expect(await setElements(lab, 'ban4')).toContain(CLIENT_A);
    await sleep(Math.max(0, first.until - Date.now() + 1500));
    expect(await setElements(lab, 'ban4')).not.toContain(CLIENT_A);
    expect(await curlFrom(lab, CLIENT_A, '/ok')).toBe(200);
    expect(await bans()).toEqual([]);
  }, 60_000);

  it('a repeat offender is banned four times longer; unban lifts it for good', async () => {
    await probe(CLIENT_A, 'again');
    const [second] = await bans();
    expect(second).toMatchObject({ target: CLIENT_A, offense: 2 });
    expect((second?.until ?? 0) - (second?.at ?? 0)).toBe(4 * BASE_S * 1000);

    const unban = await edgeGuardCli(lab, config, ['unban', CLIENT_A]);
    expect(unban.code, unban.stderr).toBe(0);
    expect(unban.stdout).toBe(`unbanned ${CLIENT_A}\n`);
    expect(await curlFrom(lab, CLIENT_A, '/ok')).toBe(200);
    await sleep(INTERVAL_MS * 2.5);
    expect(await setElements(lab, 'ban4')).not.toContain(CLIENT_A);
    expect(await bans()).toEqual([]);
    const again = await edgeGuardCli(lab, config, ['unban', CLIENT_A]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`${CLIENT_A} is not banned\n`);
    const bad = await edgeGuardCli(lab, config, ['unban', '1.2.3.4;flush ruleset']);
    expect(bad.code).toBe(2);
  }, 60_000);

  it('replay of the same access log decides what the daemon decided live', async () => {
    const live = guard.proc.logs().filter((l) => l.msg === 'ban');
    const r = await edgeGuardCli(lab, config, ['replay', lab.accessLog, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const replayed = JSON.parse(r.stdout) as { decisions: Ban[] };
    // The second daemon resumed at the saved position: its own log has the second ban only.
    expect(replayed.decisions.map((d) => [d.target, d.rule, d.offense])).toEqual([
      [CLIENT_A, 'path-probing', 1],
      [CLIENT_A, 'path-probing', 2],
    ]);
    expect(live.map((l) => [l.target, l.at, l.until])).toEqual(replayed.decisions.slice(1).map((d) => [d.target, d.at, d.until]));
    expect(replayed.decisions[0]).toMatchObject({ at: first.at, until: first.until });
  });
});
