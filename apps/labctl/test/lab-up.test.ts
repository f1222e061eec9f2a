import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { netnsPrefix, removeNetnses, removeTempDirs } from '@homelab/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nsRun } from './lab-netns.js';
import type { Labctl, LabImages } from './lab-podman.js';
import { type LabSubset, SUBSET, SUBSET_CONTAINERS, setUpLabSubset, waitFor } from './lab-subset.js';

// `labctl up` / `down` with real podman (the sandbox of the image tests) on a subset of the lab that
// has links: rproxy-edge (Caddy with the rendered Caddyfile), git-web, mc-server (the fake Minecraft
// server under rcon-bridge) and mc-map, all from their own Containerfiles on the substitute base.
// labctl runs in a namespace of the test standing in for the host; a WAN namespace is wired to it.

const exec = promisify(execFile);

const tag = netnsPrefix('u');
const CONTAINERS = SUBSET_CONTAINERS;
let lab: LabSubset;
let images: LabImages;
let hostNs: string;
let wanNs: string;
let dir: string;
let labFile: string;
let labctl: Labctl;

const podman = (args: string[]) => images.sandbox.podman(args, { check: false });

beforeAll(async () => {
  lab = await setUpLabSubset(tag);
  ({ images, hostNs, wanNs, dir, labFile, labctl } = lab);
}, 900_000);

afterAll(async () => {
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
  it('brings the subset up in depends_on order, each healthy, wired as it starts: HTTP from the WAN through Caddy reaches git-web and mc-map', async () => {
    const up = await labctl(['up', labFile, '--only', SUBSET.join(',')]);
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    const lines = up.stdout.split('\n');
    const at = (text: string) => lines.findIndex((l) => l.startsWith(text));
    for (const v of ['caddy-data', 'caddy-logs', 'mc-rcon', 'mc-map-data']) expect(lines, up.stdout).toContain(`volume ${v} created`);
    expect(lines, 'the existing mc-working-tree volume is kept').not.toContain('volume mc-working-tree created');
    expect(at('container mc-server healthy')).toBeGreaterThan(-1);
    expect(at('container mc-server healthy'), 'mc-map depends on mc-server').toBeLessThan(at('container mc-map created'));
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
    expect(audit.stdout).toMatch(/audit: 4 containers, \d+ checks passed, 0 findings/);
    expect(audit.stdout).toContain('apparmor: unavailable: the kernel has no AppArmor (not checked, not passed)');
    const json = JSON.parse((await labctl(['audit', labFile, '--json'])).stdout) as {
      findings: number;
      checks: { container: string; check: string; status: string; detail: string }[];
    };
    expect(json.findings).toBe(0);
    const attest = json.checks.filter((c) => c.check === 'attest');
    expect(attest.map((c) => c.container).sort()).toEqual(['git-web', 'mc-map', 'mc-server']);
    for (const c of attest) expect(c.status, c.detail).toBe('ok');
    for (const c of json.checks.filter((x) => x.check === 'seccomp')) expect(c.detail).toBe('filter active (mode 2)');
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
    expect(audit.stdout).not.toMatch(/^(rproxy-edge|mc-server|mc-map): .*FINDING/m);
    expect(audit.stdout).toMatch(/audit: 4 containers, \d+ checks passed, [2-9] findings/);
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
    expect((await volumes()).sort()).toEqual(['caddy-data', 'caddy-logs', 'mc-map-data', 'mc-rcon', 'mc-working-tree']);

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
