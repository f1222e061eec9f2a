import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeTempDir,
  netnsPrefix,
  removeNetnses,
  removeTempDirs,
  startProcess,
  stopAllProcesses,
  type TestProcess,
  waitFor,
} from '../../../packages/testkit/src/index.js';
import { batch, createTestLab, labctl, nsRun, ping, repoRoot, type TestLab, WAN_CLIENT_IP, WAN_HOST_IP } from './lab-netns.js';

// The whole lab in real namespaces: one per container, one for the host, one for a WAN client.
// Set up once (wiring is the expensive part); every namespace and process is removed in afterAll,
// also when a test or the setup fails.

const tag = netnsPrefix('w');
const wgEdge = `wge${tag}`.slice(0, 15);
const wgClient = `wgc${tag}`.slice(0, 15);
const fixture = (name: string) => join(repoRoot, 'apps/labctl/test/fixtures', name);
const HEADERS = ['strict-transport-security', 'x-frame-options', 'x-content-type-options', 'referrer-policy', 'permissions-policy'];

let lab: TestLab;
let darkroomServer: TestProcess | undefined;
const listeners: TestProcess[] = [];
let dir: string;
const firstUp = { code: -1, stdout: '', stderr: '' };
const secondUp = { code: -1, stdout: '', stderr: '' };

afterAll(async () => {
  await stopAllProcesses();
  removeNetnses();
  await removeTempDirs();
});

function nsProcess(netns: string, command: string, args: string[], env: Record<string, string> = {}): TestProcess {
  return startProcess('ip', ['netns', 'exec', netns, command, ...args], { env, label: `${command}@${netns}` });
}

beforeAll(async () => {
  dir = await makeTempDir('labctl-wire-');
  const www = join(dir, 'www');
  await mkdir(www);
  await writeFile(join(www, 'index.html'), 'darkroom says hello\n');
  lab = await createTestLab(dir, tag, (raw) => {
    raw.proxy = { ...raw.proxy, tls: 'off', access_log: join(dir, 'access.log') };
    // Without edge-guard's DDNS allowlist (tested with it in test/edge-guard-ddns.test.ts) 25565 is open.
    raw.host = { ...raw.host, allowlist_tcp_ports: [] };
    raw.vpn = { ...raw.vpn, interface: wgEdge };
    raw.containers['lbmt-darkroom'].lighttpd.root = www;
  });
  Object.assign(firstUp, await labctl(['wire', 'up', lab.labFile, '--netns-from', 'named', '--netns-prefix', lab.prefix]));
  Object.assign(secondUp, await labctl(['wire', 'up', lab.labFile, '--netns-from', 'named', '--netns-prefix', lab.prefix]));
  const out = join(dir, 'rendered');
  const rendered = await labctl(['render', lab.labFile, '--out', out]);
  expect(rendered.code, rendered.stderr).toBe(0);

  // Real servers in the containers' namespaces, with the rendered configs.
  darkroomServer = nsProcess(lab.ns('lbmt-darkroom'), 'lighttpd', ['-D', '-f', join(out, 'lighttpd/lbmt-darkroom.conf')]);
  nsProcess(lab.ns('rproxy-edge'), 'caddy', ['run', '--config', join(out, 'caddy/Caddyfile'), '--adapter', 'caddyfile'], {
    HOME: dir,
    XDG_DATA_HOME: join(dir, 'xdg-data'),
    XDG_CONFIG_HOME: join(dir, 'xdg-config'),
  });
  for (const [end, port, label] of [
    ['mc-server', '25565', 'minecraft'],
    ['lbmt-weblog', '8080', 'weblog'],
    ['navid-server', '4533', 'navidrome'],
    ['git-ssh', '2222', 'git-ssh'],
  ] as const) {
    listeners.push(nsProcess(lab.ns(end), process.execPath, [fixture('tcp-server.mjs'), port, label]));
  }
  listeners.push(nsProcess(lab.ns('mc-server'), process.execPath, [fixture('health-server.mjs')]));
  await Promise.all(listeners.map((p) => p.waitForLine(/^listening/, 20_000)));
  await startWireGuard();
}, 60_000);

/** A real WireGuard tunnel (userspace wireguard-go) from the WAN client to vpn-edge, through the host's DNAT. */
async function startWireGuard(): Promise<void> {
  const env = { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1', WG_PROCESS_FOREGROUND: '1' };
  const key = () => execFileSync('wg', ['genkey'], { encoding: 'utf8' }).trim();
  const pub = (k: string) => execFileSync('wg', ['pubkey'], { input: k, encoding: 'utf8' }).trim();
  const edgeKey = key();
  const clientKey = key();
  await writeFile(join(dir, 'edge.key'), edgeKey, { mode: 0o600 });
  await writeFile(join(dir, 'client.key'), clientKey, { mode: 0o600 });
  const edge = lab.ns('vpn-edge');
  nsProcess(edge, 'wireguard-go', ['-f', wgEdge], env);
  nsProcess(lab.wan, 'wireguard-go', ['-f', wgClient], env);
  await waitFor(
    async () =>
      (await nsRun(edge, 'ip', ['link', 'show', wgEdge])).code === 0 && (await nsRun(lab.wan, 'ip', ['link', 'show', wgClient])).code === 0,
    {
      timeoutMs: 15_000,
      what: 'the wireguard-go interfaces',
    },
  );
  const wgSet = async (netns: string, args: string[]) => {
    const r = await nsRun(netns, 'wg', args);
    if (r.code !== 0) throw new Error(`wg ${args.join(' ')}: ${r.stderr}`);
  };
  await wgSet(edge, [
    'set',
    wgEdge,
    'private-key',
    join(dir, 'edge.key'),
    'listen-port',
    '51820',
    'peer',
    pub(clientKey),
    'allowed-ips',
    '10.200.0.2/32',
  ]);
  await batch(edge, [`addr add 10.200.0.1/24 dev ${wgEdge}`, `link set ${wgEdge} up`]);
  await wgSet(lab.wan, [
    'set',
    wgClient,
    'private-key',
    join(dir, 'client.key'),
    'peer',
    pub(edgeKey),
    'endpoint',
    `${WAN_HOST_IP}:51820`,
    'allowed-ips',
    '10.0.0.0/8,172.16.0.0/12',
    'persistent-keepalive',
    '1',
  ]);
  // The client routes everything of the lab into the tunnel, also what it must not reach.
  await batch(lab.wan, [
    `addr add 10.200.0.2/24 dev ${wgClient}`,
    `link set ${wgClient} up`,
    `route add 10.0.0.0/8 dev ${wgClient}`,
    `route add 172.16.0.0/12 dev ${wgClient}`,
  ]);
}

const curlWan = (args: string[]) => nsRun(lab.wan, 'curl', ['-s', '-i', '--max-time', '5', ...args]);
const headersOf = (response: string) => {
  const head = response.split('\r\n\r\n')[0] ?? '';
  return new Map(
    head
      .split('\r\n')
      .slice(1)
      .map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
};
const tcp = (netns: string, host: string, port: number) => nsRun(netns, process.execPath, [fixture('tcp-client.mjs'), host, String(port)]);

describe('labctl wire up on the full lab', () => {
  it('wires everything once, and a second up changes nothing and says so', () => {
    expect(firstUp.code, firstUp.stderr).toBe(0);
    expect(firstUp.stdout).toContain('create veth pair p-lbmt-darkroom');
    expect(secondUp.code, secondUp.stderr).toBe(0);
    const count = (lab.raw.links as unknown[]).length;
    expect(secondUp.stdout).toMatch(new RegExp(`^wire up: nothing to change: ${count} links and their rulesets are in place`));
  });

  it('every declared link pings both ways', async () => {
    const links = lab.raw.links as { name: string; a: { end: string; ip: string }; b: { end: string; ip: string } }[];
    const results = await Promise.all(
      links.flatMap((l) => [
        ping(lab.ns(l.a.end), l.b.ip).then((ok) => [`${l.name}: ${l.a.end} -> ${l.b.ip}`, ok] as const),
        ping(lab.ns(l.b.end), l.a.ip).then((ok) => [`${l.name}: ${l.b.end} -> ${l.a.ip}`, ok] as const),
      ]),
    );
    expect(results.filter(([, ok]) => !ok).map(([what]) => what)).toEqual([]);
    expect(results).toHaveLength(2 * links.length);
  });

  it('a public container reaches no other public container and no private one', async () => {
    const from = lab.ns('lbmt-darkroom');
    const [weblog, mc, gitSsh, navid] = await Promise.all([
      tcp(from, '172.16.2.1', 8080),
      tcp(from, '172.16.5.1', 25565),
      tcp(from, '10.1.1.1', 2222),
      ping(from, '10.1.5.1', 1),
    ]);
    expect([weblog.code, mc.code, gitSsh.code, navid]).toEqual([1, 1, 1, false]);
    // The listeners are there: the edge itself reaches them over its links.
    expect((await tcp(lab.ns('rproxy-edge'), '172.16.2.1', 8080)).stdout).toMatch(/^weblog 172\.16\.2\.0/);
  });

  it('HTTP from the WAN reaches lighttpd in lbmt-darkroom through Caddy in rproxy-edge, with the security headers', async () => {
    let last = '';
    const response = await waitFor(
      async () => {
        const r = await curlWan(['-H', 'Host: darkroom.example.org', `http://${WAN_HOST_IP}/`]);
        last = r.stdout + r.stderr;
        return r.stdout.includes('darkroom says hello') ? r.stdout : undefined;
      },
      { timeoutMs: 20_000, what: `Caddy to proxy darkroom (last response: ${last})` },
    ).catch((error) => {
      throw new Error(`${(error as Error).message}; last response: ${last}; lighttpd: ${darkroomServer?.output}`);
    });
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    const headers = headersOf(response);
    for (const h of HEADERS) expect(headers.has(h), h).toBe(true);
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.has('server')).toBe(false);
  });

  it('keeps the security headers on a 502 and refuses other methods than GET/POST/HEAD', async () => {
    const bad = await curlWan(['-H', 'Host: shop.example.org', `http://${WAN_HOST_IP}/`]);
    expect(bad.stdout).toMatch(/^HTTP\/1\.1 502/);
    for (const h of HEADERS) expect(headersOf(bad.stdout).has(h), h).toBe(true);
    const del = await curlWan(['-X', 'DELETE', '-H', 'Host: darkroom.example.org', `http://${WAN_HOST_IP}/`]);
    expect(del.stdout).toMatch(/^HTTP\/1\.1 405/);
    expect(headersOf(del.stdout).get('x-content-type-options')).toBe('nosniff');
  });

  it('TCP 25565 from the WAN reaches the listener in mc-server, keeping the client address', async () => {
    const r = await tcp(lab.wan, WAN_HOST_IP, 25565);
    expect(r.stdout.trim()).toBe(`minecraft ${WAN_CLIENT_IP}`);
    // nothing else of the public hub is published
    expect((await tcp(lab.wan, WAN_HOST_IP, 8080)).code).toBe(1);
  });

  it('a WireGuard client on vpn-edge reaches the private containers but no public one', async () => {
    await waitFor(() => ping(lab.wan, '10.1.1.1', 1), { timeoutMs: 20_000, what: 'the tunnel to reach git-ssh' });
    expect((await tcp(lab.wan, '10.1.1.1', 2222)).stdout).toMatch(/^git-ssh 10\.200\.0\.2/);
    expect(await ping(lab.wan, '10.1.5.1')).toBe(true);
    const [pub, mc, direct] = await Promise.all([
      ping(lab.wan, '172.16.1.1', 1),
      tcp(lab.wan, '172.16.5.1', 25565),
      ping(lab.wan, '10.254.1.0', 1),
    ]);
    expect([pub, mc.code, direct]).toEqual([false, 1, false]);
  });

  it('one private container never reaches another through vpn-edge', async () => {
    const [toZfs, toNavid] = await Promise.all([ping(lab.ns('git-ssh'), '10.1.2.1', 1), tcp(lab.ns('git-ssh'), '10.1.5.1', 4533)]);
    expect([toZfs, toNavid.code]).toEqual([false, 1]);
  });

  it('navid-web talks to navid-server over their direct link', async () => {
    expect((await tcp(lab.ns('navid-web'), '10.254.1.0', 4533)).stdout).toMatch(/^navidrome 10\.254\.1\.1/);
  });

  it('the host has no route to any container subnet', async () => {
    const routes = JSON.parse((await nsRun(lab.ns('host'), 'ip', ['-j', 'route', 'show', 'table', 'all'])).stdout) as { dst: string }[];
    const dsts = routes.map((r) => r.dst).filter((d) => /^(10|172)\./.test(d));
    expect(dsts).toEqual([]);
    expect(await ping(lab.ns('host'), '172.16.1.1', 1)).toBe(false);
  });

  it("status shows every link up on both ends and each sidecar's health", async () => {
    const status = await labctl(['status', lab.labFile, '--netns-from', 'named', '--netns-prefix', lab.prefix]);
    expect(status.stdout).toMatch(/^p-lbmt-darkroom\s+rproxy-edge\s+\S+rproxy-edge\s+172\.16\.1\.0\/31\s+up\s+lbmt-darkroom/m);
    const linkRows = status.stdout.split('\n\n')[0]?.split('\n').slice(1) ?? [];
    expect(linkRows).toHaveLength((lab.raw.links as unknown[]).length);
    for (const row of linkRows)
      expect(
        row.split(/\s+/).filter((c) => c === 'up'),
        row,
      ).toHaveLength(2);
    // mc-server's stand-in health server answers; mc-map's sidecar is not running here
    expect(status.stdout).toMatch(/^mc-server\s+ok\s+http:\/\/127\.0\.0\.1:9000\/healthz$/m);
    expect(status.stdout).toMatch(/^mc-map\s+failed/m);
    expect(status.code).toBe(1);
  });
});
