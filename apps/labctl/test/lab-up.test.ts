import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, makeTempDir, netnsPrefix, removeNetnses, removeTempDirs } from '../../../packages/testkit/src/index.js';
import { sh } from '../../../test/images/image-runner.js';
import { labctlBin, nsRun, labctl as plainLabctl } from './lab-netns.js';
import {
  buildLabImages,
  fakeLittleAMap,
  fakeMinecraft,
  type Labctl,
  type LabImages,
  labctlIn,
  readRawLab,
  writeLab,
} from './lab-podman.js';

// `labctl up` / `down` with real podman (the sandbox of the image tests) on a subset of the lab that
// has links: rproxy-edge (real Caddy, see lab-podman.ts), git-web, mc-server (the fake Minecraft
// server under rcon-bridge) and mc-map. labctl runs in a namespace of the test standing in for the host.

const exec = promisify(execFile);

async function waitFor(probe: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * rcon-bridge fast-forwards BRIDGE_WORKTREE from its upstream before it starts the server: the owner's
 * mc-working-tree volume is a git clone. Made here before `up`, which then keeps the existing volume.
 */
async function seedWorkingTree(image: string): Promise<void> {
  const run = (user: string, script: string) =>
    images.sandbox.podman([
      'run',
      '--rm',
      '--network',
      'none',
      '--user',
      user,
      '--entrypoint',
      'sh',
      '-v',
      'mc-working-tree:/srv/minecraft',
      image,
      '-c',
      script,
    ]);
  await images.sandbox.podman(['volume', 'create', 'mc-working-tree']);
  await run('root', 'chown homelab /srv/minecraft');
  const git = 'git -c user.name=lab -c user.email=lab@example.invalid';
  await run(
    'homelab',
    `set -e; cd /srv/minecraft; ${git} init -q -b main; echo 'eula=true' > eula.txt; mkdir -p world/region; printf 'level' > world/level.dat; head -c 65536 /dev/zero > world/region/r.0.0.mca; ${git} add eula.txt; ${git} commit -q -m world;` +
      ` ${git} clone -q --bare . .git/upstream.git; ${git} remote add origin /srv/minecraft/.git/upstream.git; ${git} fetch -q origin; ${git} branch -q -u origin/main`,
  );
}

/** `labctl run` in the test's host namespace (its health server on that namespace's 127.0.0.1:9000). */
function startDaemon(): ChildProcess {
  const child = spawn(
    'nsenter',
    [
      `--net=/run/netns/${hostNs}`,
      '--',
      process.execPath,
      labctlBin,
      'run',
      labFile,
      '--netns-prefix',
      `${tag}-`,
      '--config-dir',
      join(dir, 'rendered'),
    ],
    {
      env: { ...process.env, PATH: `${images.sandbox.bin}:${process.env.PATH ?? ''}`, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  child.stderr?.on('data', (c: Buffer) => process.stderr.write(c));
  return child;
}
const tag = netnsPrefix('u');
const SUBSET = ['rproxy-edge', 'git-web', 'mc-map'];
const CONTAINERS = ['rproxy-edge', 'git-web', 'mc-server', 'mc-map'];
let images: LabImages;
let hostNs: string;
let dir: string;
let labFile: string;
let labctl: Labctl;

const podman = (args: string[]) => images.sandbox.podman(args, { check: false });

beforeAll(async () => {
  images = await buildLabImages(['git-web', 'mc-server', 'mc-map']);
  dir = await makeTempDir('labctl-up-');
  const pool = join(dir, 'pool');
  mkdirSync(pool);
  await sh('git', ['init', '-q', '--bare', '-b', 'main', join(pool, 'demo.git')]);
  await sh('chmod', ['-R', 'a+rX', pool]);
  const rconPassword = join(dir, 'rcon-password');
  writeFileSync(rconPassword, 'lab-up-test\n', { mode: 0o644 });
  const raw = readRawLab();
  raw.proxy.tls = 'off';
  const c = raw.containers;
  c['rproxy-edge'].image = images.base;
  c['rproxy-edge'].command = ['caddy', 'run', '--config', '/etc/caddy/Caddyfile', '--adapter', 'caddyfile'];
  c['rproxy-edge'].env = { XDG_CONFIG_HOME: '/tmp', XDG_DATA_HOME: '/data' };
  // Debian's busybox nc (the substitute base) has no -z, Alpine's has: probe Caddy over HTTP instead.
  c['rproxy-edge'].health = { http: 'http://127.0.0.1:80/' };
  c['git-web'].image = images.tags['git-web'];
  c['git-web'].binds = [{ source: pool, target: '/home/git/repos', ro: true }];
  c['mc-server'].image = images.tags['mc-server'];
  c['mc-server'].env = { ...c['mc-server'].env, RCON_PASSWORD_FILE: '/run/secrets/rcon-password' };
  c['mc-server'].binds = [
    { source: fakeMinecraft(), target: '/opt/fake/fake-minecraft.js', ro: true },
    { source: rconPassword, target: '/run/secrets/rcon-password', ro: true },
  ];
  c['mc-server'].command = [
    'run',
    '--',
    'node',
    '/opt/fake/fake-minecraft.js',
    '--port',
    '25575',
    '--password',
    'lab-up-test',
    '--world',
    '/srv/minecraft/world',
  ];
  c['mc-map'].image = images.tags['mc-map'];
  // little-a-map is not packaged anywhere here: the testkit's fake renderer stands in for it.
  const renderer = join(dir, 'little-a-map');
  writeFileSync(renderer, '#!/bin/sh\nexec node /opt/fake/fake-little-a-map.js "$@"\n', { mode: 0o755 });
  c['mc-map'].env = { ...c['mc-map'].env, MAP_RENDERER: '/opt/fake/little-a-map', MAP_DEBOUNCE: '500ms', MAP_MAX_WAIT: '5s' };
  c['mc-map'].binds = [
    ...c['mc-map'].binds,
    { source: fakeLittleAMap(), target: '/opt/fake/fake-little-a-map.js', ro: true },
    { source: renderer, target: '/opt/fake/little-a-map', ro: true },
  ];
  labFile = await writeLab(dir, raw);
  await seedWorkingTree(images.tags['mc-server'] as string);
  const rendered = join(dir, 'rendered');
  hostNs = createNetns(`${tag}-host`);
  labctl = labctlIn(hostNs, images.sandbox, ['--netns-prefix', `${tag}-`, '--config-dir', rendered]);
  const render = await plainLabctl(['render', labFile, '--out', rendered]);
  if (render.code !== 0) throw new Error(render.stderr);
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
    .filter((n) => n.startsWith(`${tag}-`) && n !== hostNs);

describe('labctl up / down with podman', () => {
  it('brings the subset up in depends_on order, each healthy, wired as it starts: HTTP through Caddy reaches git-web and mc-map', async () => {
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
    const daemon = startDaemon();
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
    expect(links.stdout.trim().split('\n')).toHaveLength(1);
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
