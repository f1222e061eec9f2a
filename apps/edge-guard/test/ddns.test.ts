import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { netnsPrefix, sleep, startProcess, type TestProcess, useCleanup, waitFor } from '@homelab/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_A, CLIENT_B, createEdgeLab, type EdgeLab, type Guard, nsRun, setElements, startGuard, tcpFrom } from './edge-lab.js';

// Acceptance: the DDNS allowlist with a real DNS server (dnsmasq) in the WAN namespace, labctl's
// real host ruleset admitting TCP 25565 only with edge-guard's mark, real nft.

const GRACE_MS = 8_000;
const ELEMENT_TIMEOUT_MS = 4_000;
let lab: EdgeLab;
let config: string;
let hosts: string;
let dns: TestProcess | undefined;
let guard: Guard;

useCleanup('all');

async function startDns(address: string): Promise<void> {
  await writeFile(hosts, `${address} player.test\n2001:db8::2 player.test\n`);
  dns = startProcess(
    'ip',
    [
      'netns',
      'exec',
      lab.wan,
      'dnsmasq',
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--pid-file=',
      '--user=root',
      '--listen-address=198.51.100.2',
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      `--addn-hosts=${hosts}`,
      '--local=/test/',
      '--local-ttl=1',
      '--log-facility=-',
    ],
    { label: 'dnsmasq' },
  );
  await waitFor(async () => (await dig()).includes(address), {
    timeoutMs: 10_000,
    what: 'dnsmasq answering',
  });
}

/** Asks dnsmasq from the host namespace (node:dns, as edge-guard does). */
async function dig(): Promise<string> {
  const script =
    "const r=new (require('node:dns').promises.Resolver)({timeout:500,tries:1});r.setServers(['198.51.100.2']);r.resolve4('player.test').then(a=>console.log(a.join(',')),e=>console.log(e.code))";
  return (await nsRun(lab.host, process.execPath, ['-e', script])).stdout.trim();
}

const admitted = () => setElements(lab, 'admit4');
const metric = async (name: string) => Number(new RegExp(`${name}\\{app="edge-guard"\\} (\\d+)`).exec(await guard.metrics())?.[1]);

beforeAll(async () => {
  lab = await createEdgeLab(netnsPrefix('egd'), { allowlist: true });
  hosts = join(lab.dir, 'players.hosts');
  config = join(lab.dir, 'edge-guard.yaml');
  await writeFile(
    config,
    [
      `log: ${lab.accessLog}`,
      `state_dir: ${join(lab.dir, 'state')}`,
      'interval: 1s',
      'poll: 100ms',
      'ddns:',
      '  port: 25565',
      '  names: [player.test, ghost.test]',
      '  servers: [198.51.100.2]',
      '  ttl_min: 1s',
      '  ttl_max: 5s',
      `  grace: ${GRACE_MS / 1000}s`,
      `  element_timeout: ${ELEMENT_TIMEOUT_MS / 1000}s`,
      '  query_timeout: 500ms',
      '',
    ].join('\n'),
  );
  await startDns(CLIENT_A);
  guard = await startGuard(lab, config);
}, 60_000);

describe('DDNS allowlist for TCP 25565 (dnsmasq, labctl host rule, real nft)', () => {
  it('admits the addresses the names resolve to (A and AAAA); an unlisted address cannot connect', async () => {
    await waitFor(async () => (await admitted()).join() === CLIENT_A, { timeoutMs: 5_000, what: 'player.test admitted' });
    expect(await setElements(lab, 'admit6')).toEqual(['2001:db8::2']);
    expect(await tcpFrom(lab, CLIENT_A)).toBe(`minecraft ${CLIENT_A}`);
    expect(await tcpFrom(lab, CLIENT_B)).toBe('');
    expect(await metric('edge_guard_names_resolved')).toBe(2);
    expect(await metric('edge_guard_admitted_addresses')).toBe(2);
  });

  it('follows a changed record', async () => {
    await writeFile(hosts, `${CLIENT_B} player.test\n`);
    dns?.signal('SIGHUP');
    await waitFor(async () => (await admitted()).join() === CLIENT_B, { timeoutMs: 8_000, what: 'the new address admitted' });
    expect(await setElements(lab, 'admit6')).toEqual([]);
    expect(await tcpFrom(lab, CLIENT_B)).toBe(`minecraft ${CLIENT_B}`);
    expect(await tcpFrom(lab, CLIENT_A)).toBe('');
  });

  it('with the DNS server stopped the last addresses stay for the grace period, then go', async () => {
    await dns?.stop();
    const stopped = Date.now();
    await waitFor(async () => (await metric('edge_guard_names_stale')) === 2, { timeoutMs: 5_000, what: 'names reported stale' });
    await sleep(Math.max(0, stopped + GRACE_MS / 2 - Date.now()));
    expect(await admitted()).toEqual([CLIENT_B]);
    expect(await tcpFrom(lab, CLIENT_B)).toBe(`minecraft ${CLIENT_B}`);
    // The last answer came at most ttl_min (1 s) before the stop.
    await waitFor(async () => (await admitted()).length === 0, { timeoutMs: GRACE_MS + 4_000, what: 'the grace period to end' });
    expect(Date.now() - stopped).toBeGreaterThanOrEqual(GRACE_MS - 1_500);
    expect(await tcpFrom(lab, CLIENT_B)).toBe('');
    expect(await metric('edge_guard_names_expired')).toBe(2);
  }, 30_000);

  it('restores the last addresses at boot before DNS works', async () => {
    await startDns(CLIENT_B);
    await waitFor(async () => (await admitted()).join() === CLIENT_B, { timeoutMs: 8_000, what: 'admitted again' });
    await dns?.stop();
    await guard.proc.stop();
    const deleted = await nsRun(lab.host, 'nft', ['delete', 'table', 'inet', 'edge_guard']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await tcpFrom(lab, CLIENT_B)).toBe('');
    guard = await startGuard(lab, config, 'edge-guard-boot');
    expect(await admitted()).toEqual([CLIENT_B]);
    expect(await tcpFrom(lab, CLIENT_B)).toBe(`minecraft ${CLIENT_B}`);
  }, 30_000);

  it('fails closed when the daemon dies: the elements time out', async () => {
    guard.proc.signal('SIGKILL');
    await guard.proc.waitExit();
    const killed = Date.now();
    expect(await admitted()).toEqual([CLIENT_B]);
    await waitFor(async () => (await admitted()).length === 0, { timeoutMs: ELEMENT_TIMEOUT_MS + 4_000, what: 'the elements to time out' });
    expect(Date.now() - killed).toBeLessThanOrEqual(ELEMENT_TIMEOUT_MS + 1_500);
    expect(await tcpFrom(lab, CLIENT_B)).toBe('');
  }, 20_000);
});
