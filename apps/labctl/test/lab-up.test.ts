import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { netnsPrefix, removeNetnses, removeTempDirs } from '@homelab/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableScript } from '../../edge-guard/src/nft-script.js';
import { nsRun, repoRoot, WAN_CLIENT_IP, WAN_HOST_IP } from './lab-netns.js';
import type { Labctl, LabImages } from './lab-podman.js';
import { consoleRunArgs, type LabSubset, SUBSET, SUBSET_CONTAINERS, setUpLabSubset, VPN_PEER, waitFor } from './lab-subset.js';
import { startVpnClient, tcpConnects, type VpnClient } from './lab-vpn-client.js';

// `labctl up` / `down` with real podman (the sandbox of the image tests) on a subset of the lab with
// every kind of link: rproxy-edge (Caddy with the rendered Caddyfile), vpn-edge (wg-agent, wireguard-go),
// git-web, git-ssh, mc-server (the fake Minecraft server under rcon-bridge, with its game port),
// mc-map and mc-backup, all from their own Containerfiles on the substitute base; mc-ttyd-rcon's
// console runs from its image (ttyd is not in Debian: see consoleRunArgs in lab-subset.ts).
// labctl runs in a namespace of the test standing in for the host; a WAN namespace is wired to it.

const exec = promisify(execFile);
const fakeStatusClient = join(repoRoot, 'packages/testkit/dist/mc-status.js');

const tag = netnsPrefix('u');
const CONTAINERS = SUBSET_CONTAINERS;
let lab: LabSubset;
let images: LabImages;
let hostNs: string;
let wanNs: string;
let dir: string;
let labFile: string;
let labctl: Labctl;
let vpnClient: VpnClient | undefined;

const podman = (args: string[]) => images.sandbox.podman(args, { check: false });
/** The fake Minecraft server's log (vanilla's logs/latest.log in the mc-working-tree volume). */
const serverLog = async () => (await podman(['exec', 'mc-server', 'cat', '/srv/minecraft/logs/latest.log'])).stdout;
const pidOf = async (container: string) =>
  Number((await podman(['container', 'inspect', '--format', '{{.State.Pid}}', container])).stdout.trim());
/** A TCP connect from inside a container's network namespace (nsenter by its PID, the host's bash). */
const tcpFromContainer = async (container: string, host: string, port: number) => {
  const r = await nsRunPid(await pidOf(container), ['timeout', '3', 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`]);
  return r.code === 0;
};
async function nsRunPid(pid: number, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('nsenter', ['-t', String(pid), '-n', '--', ...argv], { timeout: 15_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

beforeAll(async () => {
  lab = await setUpLabSubset(tag);
  ({ images, hostNs, wanNs, dir, labFile, labctl } = lab);
}, 900_000);

afterAll(async () => {
  await vpnClient?.stop();
  if (hostNs) await exec('ip', ['netns', 'exec', hostNs, 'nft', 'delete', 'table', 'inet', 'edge_guard']).catch(() => undefined);
  // Whatever a failed test left: the attached names, the containers and volumes (with the sandbox).
  for (const c of CONTAINERS) await exec('ip', ['netns', 'delete', `${tag}-${c}`]).catch(() => undefined);
  await images?.sandbox.close();
  removeNetnses();
  await removeTempDirs();
}, 300_000);

const running = async () =>
  (await podman(['ps', '--format', '{{.Names}}'])).stdout
    .split('\n')
    .filter((n) => n !== '')
    .sort();
const volumes = async () => (await podman(['volume', 'ls', '--format', '{{.Name}}'])).stdout.split('\n').filter((n) => n !== '');
const attachedNames = async () =>
  (await exec('ip', ['netns', 'list'])).stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`${tag}-`) && n !== hostNs && n !== wanNs);

describe('labctl up / down with podman', () => {
  it('brings the subset up in depends_on order, each healthy, wired as it starts: HTTP from the host through Caddy reaches git-web and mc-map', async () => {
    const up = await labctl(['up', labFile, '--only', SUBSET.join(',')]);
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    const lines = up.stdout.split('\n');
    const at = (text: string) => lines.findIndex((l) => l.startsWith(text));
    for (const v of ['caddy-data', 'caddy-logs', 'vpn-config', 'git-ssh-host-keys', 'mc-rcon', 'mc-map-data', 'mc-backup-state'])
      expect(lines, up.stdout).toContain(`volume ${v} created`);
    expect(lines, 'the existing mc-working-tree volume is kept').not.toContain('volume mc-working-tree created');
    expect(at('container mc-server healthy')).toBeGreaterThan(-1);
    expect(at('container mc-server healthy'), 'mc-map depends on mc-server').toBeLessThan(at('container mc-map created'));
    expect(at('container mc-server healthy'), 'mc-backup depends on mc-server').toBeLessThan(at('container mc-backup created'));
    expect(at('wire: create veth pair v-git-ssh')).toBeGreaterThan(at('container git-ssh healthy'));
    // git-web's link is wired as soon as git-web runs, before mc-server is even created.
    expect(at('wire: create veth pair p-git-web')).toBeGreaterThan(at('container git-web healthy'));
    expect(at('wire: create veth pair p-git-web')).toBeLessThan(at('container mc-server created'));
    expect(await running()).toEqual([...CONTAINERS].sort());

    // The link is inside the container: podman exec sees the address.
    const inside = await podman(['exec', 'git-web', 'ip', '-o', 'addr', 'show', 'p-git-web']);
    expect(inside.stdout).toContain('172.16.4.1/31');
    // From the host (the test's namespace) through Caddy in rproxy-edge to git-web and mc-map over their veths.
    const web = await nsRun(hostNs, 'curl', ['-sS', '-m', '10', '-H', 'Host: git.example.org', 'http://192.168.100.1/']);
    expect(web.code, web.stderr).toBe(0);
    expect(web.stdout).toContain('demo');
    const map = await nsRun(hostNs, 'curl', [
      '-sS',
      '-m',
      '10',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-H',
      'Host: map.example.org',
      'http://192.168.100.1/',
    ]);
    expect(['200', '403', '404'], `mc-map's lighttpd answered through Caddy: ${map.stdout} ${map.stderr}`).toContain(map.stdout);
  }, 600_000);

  it('a second up changes nothing and says so', async () => {
    const again = await labctl(['up', labFile, '--only', SUBSET.join(',')]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^up: nothing to change: every container runs as declared/);
  }, 600_000);

  it('audit passes on the lab as up made it, cross-checked with each sidecar /attest; AppArmor reported unavailable, not passed', async () => {
    const audit = await labctl(['audit', labFile]);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/audit: 7 containers, \d+ checks passed, 0 findings/);
    expect(audit.stdout).toContain('apparmor: unavailable: the kernel has no AppArmor (not checked, not passed)');
    const json = JSON.parse((await labctl(['audit', labFile, '--json'])).stdout) as {
      findings: number;
      checks: { container: string; check: string; status: string; detail: string }[];
    };
    expect(json.findings).toBe(0);
    const attest = json.checks.filter((c) => c.check === 'attest');
    expect(attest.map((c) => c.container).sort()).toEqual(['git-web', 'mc-backup', 'mc-map', 'mc-server', 'vpn-edge']);
    for (const c of attest) expect(c.status, c.detail).toBe('ok');
    for (const c of json.checks.filter((x) => x.check === 'seccomp')) expect(c.detail).toBe('filter active (mode 2)');
    const network = (c: string) => json.checks.find((x) => x.container === c && x.check === 'network')?.detail;
    expect(network('vpn-edge'), "wg-agent's WireGuard interface is declared by vpn.interface").toMatch(/\bwg0\b/);
    expect(network('mc-backup'), 'no link: loopback only').toBe('lo');
  }, 600_000);

  it('TCP 25565 from the WAN reaches mc-server (server list ping through the host and rproxy-edge), only for addresses edge-guard admits', async () => {
    const status = () => nsRun(wanNs, process.execPath, [fakeStatusClient, WAN_HOST_IP, '25565'], 20_000);
    // lab.yaml allowlists 25565 (host.allowlist_tcp_ports): without edge-guard's mark it is closed.
    const closed = await status();
    expect(closed.code, `${closed.stdout}${closed.stderr}`).not.toBe(0);
    // edge-guard's own table (its nft script), admitting the WAN client's address.
    const admit = tableScript({ bans: [], admitted: [{ target: WAN_CLIENT_IP, timeoutMs: 600_000 }], admitPort: 25565 });
    await new Promise<void>((resolve, reject) => {
      const child = execFile('ip', ['netns', 'exec', hostNs, 'nft', '-f', '-'], (error, _o, stderr) =>
        error ? reject(new Error(stderr)) : resolve(),
      );
      child.stdin?.end(admit);
    });
    const open = await status();
    expect(open.code, open.stderr).toBe(0);
    const answer = JSON.parse(open.stdout) as { version: { name: string }; players: { max: number }; description: { text: string } };
    expect(answer.version.name).toBe('1.21.1');
    expect(answer.players.max).toBe(20);
    // The server saw the WAN client's own address (DNAT twice, no masquerade).
    expect(await serverLog()).toMatch(new RegExp(`status request from /${WAN_CLIENT_IP.replaceAll('.', '\\.')}:\\d+`));
    await exec('ip', ['netns', 'exec', hostNs, 'nft', 'delete', 'table', 'inet', 'edge_guard']);
  }, 600_000);

  it('a WireGuard client declared in the peers file reaches git-ssh and clones over ssh, and reaches no public container', async () => {
    const shown = await podman(['exec', 'vpn-edge', 'wg-agent', 'peer', 'show', VPN_PEER.name, '--no-qr']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Address = ${VPN_PEER.address}/32`);
    vpnClient = await startVpnClient(wanNs, shown.stdout, `${WAN_HOST_IP}:51820`, dir);
    try {
      await throughTheTunnel(vpnClient);
    } finally {
      await vpnClient.stop();
    }
  }, 600_000);

  async function throughTheTunnel(client: VpnClient): Promise<void> {
    await waitFor(() => tcpConnects(wanNs, '10.1.1.1', 2222), 'git-ssh through the tunnel', 60_000);
    const handshake = await nsRun(wanNs, 'wg', ['show', client.ifname, 'latest-handshakes']);
    expect(handshake.stdout).toMatch(/\t[1-9]\d*$/m);
    // A real ssh client with the key git-ssh authorizes, through the tunnel (git-shell's commands, then git).
    const ssh = `ssh -i ${lab.sshKey} -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes`;
    const ls = await nsRun(wanNs, 'sh', ['-c', `${ssh} git@10.1.1.1 ls`], 60_000);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/^notes\b/m);
    const clone = join(dir, 'clone-over-vpn');
    const cloned = await nsRun(wanNs, 'env', [`GIT_SSH_COMMAND=${ssh}`, 'git', 'clone', '-q', 'git@10.1.1.1:repos/notes', clone], 60_000);
    expect(cloned.code, cloned.stderr).toBe(0);
    expect(readFileSync(join(clone, 'README'), 'utf8')).toBe('cloned over ssh through the VPN\n');
    // No public container from the tunnel: vpn-edge forwards a peer only to what it may reach.
    for (const [what, host, port] of [
      ['git-web', '172.16.4.1', 8080],
      ['mc-map', '172.16.6.1', 8080],
      ['mc-server', '172.16.5.1', 25565],
      ['rproxy-edge (host link)', '192.168.100.1', 80],
      ['rproxy-edge (git-web link)', '172.16.4.0', 80],
    ] as const)
      expect(await tcpConnects(wanNs, host, port), `${what} ${host}:${port} from the tunnel`).toBe(false);
    const curl = await nsRun(wanNs, 'curl', ['-sS', '-m', '3', '-H', 'Host: git.example.org', 'http://172.16.4.1:8080/']);
    expect(curl.code, 'curl to git-web through the tunnel').not.toBe(0);
  }

  it('a public container reaches no other container (TCP from its namespace: refused or timed out)', async () => {
    // The control: Caddy's own path, rproxy-edge to git-web, is open.
    expect(await tcpFromContainer('rproxy-edge', '172.16.4.1', 8080)).toBe(true);
    for (const [from, what, host, port] of [
      ['git-web', 'mc-server', '172.16.5.1', 25565],
      ['git-web', 'mc-map', '172.16.6.1', 8080],
      ['git-web', 'git-ssh', '10.1.1.1', 2222],
      ['git-web', 'rproxy-edge', '172.16.4.0', 80],
      ['git-web', 'vpn-edge', '192.168.101.1', 51820],
      ['mc-map', 'git-web', '172.16.4.1', 8080],
      ['mc-server', 'git-ssh', '10.1.1.1', 2222],
    ] as const)
      expect(await tcpFromContainer(from, host, port), `${from} -> ${what} ${host}:${port}`).toBe(false);
  }, 600_000);

  it("mc-ttyd-rcon's console runs a command through the mc-rcon volume (mc-console from its image: ttyd is not in Debian)", async () => {
    const mark = `console-${process.pid}`;
    const say = await images.sandbox.podman(consoleRunArgs(lab.runArgsOf, ['exec', 'say', mark]), { check: false, timeoutMs: 180_000 });
    expect(say.code, `${say.stdout}${say.stderr}`).toBe(0);
    await waitFor(async () => (await serverLog()).includes(`[Rcon] ${mark}`), 'the console command in the server log', 15_000);
    const list = await images.sandbox.podman(consoleRunArgs(lab.runArgsOf, ['exec', 'list']), { check: false, timeoutMs: 180_000 });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/There are 0 of a max of 20 players online/);
  }, 600_000);

  it('mc-backup now in its container makes a borg archive, saving paused and resumed through the backup socket', async () => {
    const before = (await serverLog()).length;
    const now = await images.sandbox.podman(['exec', 'mc-backup', 'mc-backup', 'now'], { check: false, timeoutMs: 300_000 });
    expect(now.code, `${now.stdout}\n${now.stderr}`).toBe(0);
    expect(now.stdout, 'saving was paused through the bridge').toMatch(/"paused":true/);
    // What the server received, in order: save-off, save-all flush, then save-on.
    const log = (await serverLog()).slice(before).split('\n');
    const at = (text: string) => log.findIndex((l) => l.includes(text));
    const off = at('[Rcon: Automatic saving is now disabled]');
    const saved = at('[Rcon: Saved the game]');
    const on = at('[Rcon: Automatic saving is now enabled]');
    expect(off, log.join('\n')).toBeGreaterThan(-1);
    expect(saved).toBeGreaterThan(off);
    expect(on).toBeGreaterThan(saved);
    const list = await images.sandbox.podman(['exec', 'mc-backup', 'mc-backup', 'list', '--json'], { check: false });
    expect(list.code, list.stderr).toBe(0);
    const archives = JSON.parse(list.stdout) as { name?: string; archive?: string }[];
    expect(archives).toHaveLength(1);
  }, 600_000);

  it('labctl run re-wires git-web after podman restart: it answers through Caddy again within 5 s, with no manual step', async () => {
    const daemon = lab.startDaemon();
    try {
      await waitFor(
        async () => (await nsRun(hostNs, 'curl', ['-sf', '-m', '2', 'http://127.0.0.1:9000/readyz'])).code === 0,
        'labctl run ready',
        60_000,
      );
      const throughCaddy = async () =>
        (await nsRun(hostNs, 'curl', ['-sf', '-m', '1', '-o', '/dev/null', '-H', 'Host: git.example.org', 'http://192.168.100.1/'], 5_000))
          .code === 0;
      expect(await throughCaddy()).toBe(true);
      const restart = await podman(['restart', 'git-web']);
      expect(restart.code, restart.stderr).toBe(0);
      const restarted = Date.now();
      await waitFor(throughCaddy, 'git-web through Caddy after the restart', 5_000);
      const answeredMs = Date.now() - restarted;
      const health = JSON.parse((await nsRun(hostNs, 'curl', ['-sf', 'http://127.0.0.1:9000/healthz'])).stdout) as {
        lastChange: { durationMs: number; changes: number; reasons: string[] };
      };
      expect(health.lastChange.changes).toBeGreaterThan(0);
      expect(health.lastChange.reasons.join(' ')).toMatch(/git-web (start|restart|init)/);
      const metrics = (await nsRun(hostNs, 'curl', ['-sf', 'http://127.0.0.1:9000/metrics'])).stdout;
      expect(metrics).toMatch(/labctl_rewires_total\{result="ok",app="labctl"\} [1-9]/);
      process.stdout.write(
        `\nre-wire after podman restart git-web: links in ${health.lastChange.durationMs} ms, answering through Caddy ${answeredMs} ms after the restart returned\n`,
      );
    } finally {
      daemon.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => daemon.once('exit', r));
      expect(code).toBe(0);
    }
  }, 600_000);

  it('audit reports a container started by hand with an extra capability and without --read-only, exit 1', async () => {
    await podman(['rm', '--force', '--time', '5', 'git-web']);
    const byHand = await podman([
      'run',
      '-d',
      '--name',
      'git-web',
      '--network',
      'none',
      '--cap-drop',
      'all',
      '--cap-add',
      'NET_RAW',
      '--security-opt',
      'no-new-privileges',
      '--tmpfs',
      '/tmp',
      '--tmpfs',
      '/run',
      '--volume',
      `${join(dir, 'pool')}:/home/git/repos:ro`,
      images.tags['git-web'] as string,
    ]);
    expect(byHand.code, byHand.stderr).toBe(0);
    const audit = await labctl(['audit', labFile]);
    expect(audit.code, audit.stdout).toBe(1);
    expect(audit.stdout).toContain('git-web: capabilities (bounding): FINDING: not declared: NET_RAW');
    expect(audit.stdout).toContain('git-web: read-only root: FINDING: writable');
    expect(audit.stdout).not.toMatch(/^(rproxy-edge|vpn-edge|git-ssh|mc-server|mc-map|mc-backup): .*FINDING/m);
    expect(audit.stdout).toMatch(/audit: 7 containers, \d+ checks passed, [2-9] findings/);
  }, 600_000);

  it('down --volumes without --yes is refused and removes nothing', async () => {
    const refused = await labctl(['down', labFile, '--volumes']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('add --yes to confirm');
    expect(await running()).toHaveLength(CONTAINERS.length);
  }, 600_000);

  it('down leaves no container, attached namespace, veth or nft table, keeps the volumes; a second down has nothing to remove', async () => {
    const down = await labctl(['down', labFile]);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain('container mc-map removed');
    expect(down.stdout.indexOf('container mc-map removed')).toBeLessThan(down.stdout.indexOf('container mc-server removed'));
    expect((await podman(['ps', '--all', '--format', '{{.Names}}'])).stdout.trim()).toBe('');
    expect(await attachedNames()).toEqual([]);
    const links = await nsRun(hostNs, 'ip', ['-o', 'link']);
    const names = links.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(': ')[1]?.split('@')[0]);
    expect(names, 'the host keeps only loopback and its WAN interface').toEqual(['lo', 'eth0']);
    const tables = await nsRun(hostNs, 'nft', ['list', 'tables']);
    expect(tables.stdout.trim()).toBe('');
    // No attach mount left: the only /run/netns mounts of this test are its own host and WAN namespaces.
    const netnsMounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((m) => m.startsWith(`/run/netns/${tag}-`));
    expect([...new Set(netnsMounts)].sort()).toEqual([`/run/netns/${hostNs}`, `/run/netns/${wanNs}`].sort());
    expect((await volumes()).sort()).toEqual([
      'caddy-data',
      'caddy-logs',
      'git-ssh-host-keys',
      'mc-backup-state',
      'mc-map-data',
      'mc-rcon',
      'mc-working-tree',
      'vpn-config',
    ]);

    const again = await labctl(['down', labFile]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^down: nothing to remove/);
  }, 600_000);

  it('down --volumes --yes removes the volumes', async () => {
    const down = await labctl(['down', labFile, '--volumes', '--yes']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain('volume mc-rcon removed');
    expect(await volumes()).toEqual([]);
  });
});
