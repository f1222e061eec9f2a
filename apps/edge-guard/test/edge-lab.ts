import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  appBundle,
  createNetns,
  httpRequest,
  ip,
  makeTempDir,
  netnsPrefix,
  repoRoot,
  startProcess,
  type TestProcess,
  waitFor,
} from '@homelab/testkit';
import { parseLab } from '../../labctl/src/load.js';
import { hostRuleset } from '../../labctl/src/render/nft.js';

const exec = promisify(execFile);

/**
 * The host end of the lab in real namespaces: "host" (labctl's real host ruleset from lab.yaml,
 * edge-guard runs here), "edge" (real Caddy writing a JSON access log, a TCP listener on 25565
 * standing in for the Minecraft path) and "wan" with two client addresses.
 */
export const HOST_WAN_IP = '198.51.100.1';
export const CLIENT_A = '198.51.100.2';
export const CLIENT_B = '198.51.100.3';

export interface EdgeLab {
  host: string;
  edge: string;
  wan: string;
  dir: string;
  accessLog: string;
}

export async function nsRun(netns: string, command: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}) {
  const child = exec('ip', ['netns', 'exec', netns, command, ...args], { timeout: opts.timeoutMs ?? 15_000, maxBuffer: 64 << 20 });
  if (opts.input !== undefined) child.child.stdin?.end(opts.input);
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

async function batch(netns: string, lines: string[]): Promise<void> {
  for (const line of lines) ip(['-n', netns, ...line.split(' ')]);
}

export async function createEdgeLab(tag: string, opts: { allowlist: boolean }): Promise<EdgeLab> {
  const dir = await makeTempDir('edge-guard-lab-');
  const host = createNetns(`${tag}h`);
  const edge = createNetns(`${tag}e`);
  const wan = createNetns(`${tag}w`);
  ip(['link', 'add', 'name', 'eth0', 'netns', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', wan]);
  ip(['link', 'add', 'name', 'host-pub', 'netns', host, 'type', 'veth', 'peer', 'name', 'host-pub', 'netns', edge]);
  await batch(host, [
    `addr add ${HOST_WAN_IP}/24 dev eth0`,
    'link set eth0 up',
    'addr add 192.168.100.0/31 dev host-pub',
    'link set host-pub up',
  ]);
  await batch(wan, [`addr add ${CLIENT_A}/24 dev eth0`, `addr add ${CLIENT_B}/24 dev eth0`, 'link set eth0 up']);
  await batch(edge, ['addr add 192.168.100.1/31 dev host-pub', 'link set host-pub up', 'route add default via 192.168.100.0']);
  const sysctl = await nsRun(host, 'sysctl', ['-w', 'net.ipv4.ip_forward=1']);
  if (sysctl.code !== 0) throw new Error(sysctl.stderr);

  // labctl's own host ruleset, rendered from the committed lab.yaml.
  const parsed = parseLab(readFileSync(join(repoRoot, 'lab/lab.yaml'), 'utf8'));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const lab = { ...parsed.lab, host: { ...parsed.lab.host, allowlist_tcp_ports: opts.allowlist ? [25565] : [] } };
  const loaded = await nsRun(host, 'nft', ['-f', '-'], { input: hostRuleset(lab) });
  if (loaded.code !== 0) throw new Error(`labctl host ruleset: ${loaded.stderr}`);

  const accessLog = join(dir, 'access.log');
  const caddyfile = join(dir, 'Caddyfile');
  await writeFile(
    caddyfile,
    [
      '{',
      '\tadmin off',
      '\tauto_https off',
      '}',
      'http://:80 {',
      '\tlog {',
      `\t\toutput file ${accessLog}`,
      '\t\tformat json',
      '\t}',
      '\trespond /ok "ok" 200',
      '\trespond 404',
      '}',
      '',
    ].join('\n'),
  );
  const home = { HOME: dir, XDG_DATA_HOME: join(dir, 'xdg-data'), XDG_CONFIG_HOME: join(dir, 'xdg-config') };
  startProcess('ip', ['netns', 'exec', edge, 'caddy', 'run', '--config', caddyfile, '--adapter', 'caddyfile'], {
    env: home,
    label: 'caddy',
  });
  const listener = startProcess(
    'ip',
    [
      'netns',
      'exec',
      edge,
      process.execPath,
      '-e',
      "require('node:net').createServer((s) => s.end('minecraft ' + s.remoteAddress + '\\n')).listen(25565, '0.0.0.0', () => console.log('listening'))",
    ],
    { label: 'tcp-25565' },
  );
  await listener.waitForLine(/^listening/, 15_000);
  await waitFor(async () => (await curlFrom({ wan } as EdgeLab, CLIENT_B, '/ok')) === 200, {
    timeoutMs: 20_000,
    what: 'Caddy through the host DNAT',
  });
  return { host, edge, wan, dir, accessLog };
}

/** An HTTP GET from a WAN client address to the host's WAN address: the status, or 0 when it timed out. */
export async function curlFrom(lab: EdgeLab, client: string, path: string, maxTimeS = 1): Promise<number> {
  const r = await nsRun(lab.wan, 'curl', [
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '--interface',
    client,
    '--max-time',
    String(maxTimeS),
    `http://${HOST_WAN_IP}${path}`,
  ]);
  return Number(r.stdout.trim() || 0);
}

/** A TCP connection from a WAN client to the host's port 25565: the listener's banner, or '' when refused or dropped. */
export async function tcpFrom(lab: EdgeLab, client: string): Promise<string> {
  const script = `const s=require('node:net').connect({host:'${HOST_WAN_IP}',port:25565,localAddress:'${client}',timeout:1000});let d='';s.on('data',c=>d+=c);s.on('end',()=>{process.stdout.write(d);process.exit(0)});s.on('timeout',()=>process.exit(1));s.on('error',()=>process.exit(1));`;
  const r = await nsRun(lab.wan, process.execPath, ['-e', script], { timeoutMs: 5_000 });
  return r.code === 0 ? r.stdout.trim() : '';
}

export interface Guard {
  proc: TestProcess;
  health: string;
  metrics(): Promise<string>;
}

/** Starts the built edge-guard daemon inside the host namespace. */
export async function startGuard(
  lab: Pick<EdgeLab, 'dir' | 'host'>,
  config: string,
  label = 'edge-guard',
  logLevel: 'debug' | 'info' = 'debug',
): Promise<Guard> {
  const health = join(lab.dir, `${label}-${Date.now()}.sock`);
  const proc = startProcess('ip', ['netns', 'exec', lab.host, process.execPath, appBundle('edge-guard'), 'run'], {
    env: { EDGE_GUARD_CONFIG: config, HEALTH_LISTEN: health, LOG_LEVEL: logLevel },
    label,
  });
  await waitFor(
    async () => {
      if (proc.exitInfo) throw new Error(`edge-guard exited: ${proc.output.slice(-3000)}`);
      return (await httpRequest(health, '/readyz').catch(() => ({ status: 0 }))).status === 200;
    },
    { timeoutMs: 15_000, what: 'edge-guard /readyz' },
  );
  return { proc, health, metrics: async () => (await httpRequest(health, '/metrics')).body };
}

/** The elements of one of edge-guard's sets in the host namespace (empty when the table is gone). */
export async function setElements(lab: EdgeLab, set: string): Promise<string[]> {
  const r = await nsRun(lab.host, 'nft', ['-j', 'list', 'set', 'inet', 'edge_guard', set]);
  if (r.code !== 0) return [];
  const json = JSON.parse(r.stdout) as { nftables: { set?: { elem?: { elem?: { val: string } }[] } }[] };
  const elems = json.nftables.find((x) => x.set)?.set?.elem ?? [];
  return elems.map((e) => (typeof e === 'object' && e.elem ? e.elem.val : String(e))).sort();
}

export async function edgeGuardCli(lab: EdgeLab, config: string, args: string[]) {
  return nsRun(lab.host, 'env', [`EDGE_GUARD_CONFIG=${config}`, 'LOG_LEVEL=warn', process.execPath, appBundle('edge-guard'), ...args]);
}

/** edge-guard alone in a namespace of its own (real nft there), following a log that starts empty. */
export interface LoneGuard extends Guard {
  dir: string;
  netns: string;
  log: string;
  config: string;
}

/** Starts it with `settings` (YAML lines) after its log and state_dir; resolves once /readyz answers 200. */
export async function startLoneGuard(tag: string, settings: string): Promise<LoneGuard> {
  const dir = await makeTempDir(`edge-guard-${tag}-`);
  const netns = createNetns(`${netnsPrefix(tag)}h`);
  const log = join(dir, 'access.log');
  const config = join(dir, 'edge-guard.yaml');
  await writeFile(config, `log: ${log}\nstate_dir: ${join(dir, 'state')}\n${settings}`);
  await writeFile(log, '');
  const guard = await startGuard({ dir, host: netns }, config, 'edge-guard', 'info');
  return { ...guard, dir, netns, log, config };
}
