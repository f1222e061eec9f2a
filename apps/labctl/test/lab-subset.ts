import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createNetns, makeTempDir } from '@homelab/testkit';
import { sh } from '../../../test/images/image-runner.js';
import { runArgs } from '../src/lab/run-args.js';
import { parseLab } from '../src/load.js';
import type { Lab } from '../src/schema.js';
import { batch, labctlBin, labctl as plainLabctl, WAN_CLIENT_IP, WAN_HOST_IP } from './lab-netns.js';
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

/**
 * The lab subset that the lab test and the bench run, one container of every kind of link: the two
 * edges rproxy-edge (Caddy with the rendered Caddyfile) and vpn-edge (wg-agent, wireguard-go), git-web
 * and mc-map (public sites), git-ssh (private, behind the VPN), mc-server (the fake Minecraft server
 * under rcon-bridge, its game port published through rproxy-edge) and mc-backup (no link: the
 * mc-rcon volume only), all from their own Containerfiles on the substitute base, in the image tests'
 * podman sandbox; labctl in a namespace standing in for the host (`tag`-host), a WAN client namespace
 * (`tag`-wan) joined to it by eth0. mc-ttyd-rcon's image is built too but not run by `up`: its
 * entrypoint is ttyd, which Debian does not package (see `consoleRunArgs`).
 * The caller removes namespaces and temp dirs (testkit) and closes `images.sandbox`.
 */
export const SUBSET = ['rproxy-edge', 'vpn-edge', 'git-web', 'git-ssh', 'mc-map', 'mc-backup'];
export const SUBSET_CONTAINERS = ['rproxy-edge', 'vpn-edge', 'git-ssh', 'git-web', 'mc-server', 'mc-map', 'mc-backup'];
/** The WireGuard peer of the test's client (in the peers file bound into vpn-edge). */
export const VPN_PEER = { name: 'lab-client', address: '10.200.0.2', allow: ['git-ssh'] };
/** The borg passphrase of mc-backup's repository (a test value, bound as BORG_PASSPHRASE_FILE). */
const BORG_PASSPHRASE = 'lab-subset-borg';

const exec = promisify(execFile);

export interface LabSubset {
  images: LabImages;
  dir: string;
  labFile: string;
  hostNs: string;
  wanNs: string;
  labctl: Labctl;
  /** `labctl run` in the host namespace (its health server on that namespace's 127.0.0.1:9000). */
  startDaemon: () => ChildProcess;
  /** The private key whose public half is git-ssh's authorized_keys. */
  sshKey: string;
  /** The parsed lab file `up` runs. */
  lab: Lab;
  /** `podman run` arguments labctl uses for a container (`labctl up`'s own line). */
  runArgsOf: (container: string) => string[];
}

export async function waitFor(probe: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
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
async function seedWorkingTree(images: LabImages, image: string): Promise<void> {
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

/** git-ssh's pool: one repository with a commit (owned by the image's git user, 10002:10001). */
async function makeSshPool(dir: string): Promise<string> {
  const pool = join(dir, 'ssh-pool');
  const work = join(dir, 'ssh-work');
  mkdirSync(pool);
  await sh('git', ['init', '-q', '--bare', '-b', 'main', join(pool, 'notes.git')]);
  await sh('git', ['init', '-q', '-b', 'main', work]);
  writeFileSync(join(work, 'README'), 'cloned over ssh through the VPN\n');
  const git = (...args: string[]) => sh('git', ['-c', 'user.name=lab', '-c', 'user.email=lab@example.invalid', ...args], { cwd: work });
  await git('add', 'README');
  await git('commit', '-q', '-m', 'first');
  await git('push', '-q', join(pool, 'notes.git'), 'main');
  await sh('chown', ['-R', '10002:10001', pool]);
  return pool;
}

/** mc-backup's borg repository (a bind, as /zfs/storage/... on the host), initialised with its image. */
async function makeBorgRepo(images: LabImages, dir: string): Promise<{ repo: string; passphrase: string }> {
  const repo = join(dir, 'borg-repo');
  mkdirSync(repo);
  await sh('chown', ['10001:10001', repo]);
  const passphrase = join(dir, 'borg-passphrase');
  writeFileSync(passphrase, `${BORG_PASSPHRASE}\n`, { mode: 0o644 });
  await images.sandbox.podman([
    'run',
    '--rm',
    '--network',
    'none',
    '--user',
    'homelab',
    '--entrypoint',
    'borg',
    '-e',
    `BORG_PASSPHRASE=${BORG_PASSPHRASE}`,
    '-e',
    'BORG_BASE_DIR=/tmp/borg',
    '-v',
    `${repo}:/backup`,
    images.tags['mc-backup'] as string,
    'init',
    '--encryption=repokey-blake2',
    '/backup',
  ]);
  return { repo, passphrase };
}

export async function setUpLabSubset(tag: string): Promise<LabSubset> {
  const images = await buildLabImages([
    'rproxy-edge',
    'vpn-edge',
    'git-web',
    'git-ssh',
    'mc-server',
    'mc-map',
    'mc-backup',
    'mc-ttyd-rcon',
  ]);
  try {
    const dir = await makeTempDir('labctl-lab-');
    const pool = join(dir, 'pool');
    mkdirSync(pool);
    await sh('git', ['init', '-q', '--bare', '-b', 'main', join(pool, 'demo.git')]);
    await sh('git', ['init', '-q', '--bare', '-b', 'main', join(pool, 'secret.git')]);
    await sh('git', ['config', '--file', join(pool, 'secret.git', 'config'), 'cgit.ignore', 'true']);
    await sh('chmod', ['-R', 'a+rX', pool]);
    const rconPassword = join(dir, 'rcon-password');
    writeFileSync(rconPassword, 'lab-subset\n', { mode: 0o644 });
    const raw = readRawLab();
    raw.proxy.tls = 'off';
    const c = raw.containers;
    c['rproxy-edge'].image = images.tags['rproxy-edge'];
    // vpn-edge: wg-agent with the rendered settings and a peers folder of the test (the owner's
    // /srv/homelab/wg-peers), declaring the test's client with access to git-ssh only.
    const peers = join(dir, 'wg-peers');
    mkdirSync(peers, { mode: 0o700 });
    writeFileSync(
      join(peers, 'peers.yaml'),
      `peers:\n  - { name: ${VPN_PEER.name}, address: ${VPN_PEER.address}, allow: [${VPN_PEER.allow.join(', ')}] }\n`,
      { mode: 0o600 },
    );
    raw.vpn.peers_file = join(peers, 'peers.yaml');
    c['vpn-edge'].image = images.tags['vpn-edge'];
    c['vpn-edge'].binds = c['vpn-edge'].binds.map((b: { source: string; target: string; ro: boolean }) =>
      b.target === '/etc/wg-agent/peers' ? { ...b, source: peers } : b,
    );
    // git-ssh: a pool with one repository and the test's key as the only authorized one.
    const sshPool = await makeSshPool(dir);
    const sshKey = join(dir, 'id_ed25519');
    await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'lab-subset', '-f', sshKey]);
    const authorized = join(dir, 'authorized_keys');
    writeFileSync(authorized, readFileSync(`${sshKey}.pub`), { mode: 0o644 });
    c['git-ssh'].image = images.tags['git-ssh'];
    c['git-ssh'].binds = [
      { source: sshPool, target: '/home/git/repos', ro: false },
      { source: authorized, target: '/home/git/.ssh/authorized_keys', ro: true },
    ];
    // mc-backup: the borg repository bound where lab.yaml binds /zfs/storage/..., its passphrase from a file.
    const borg = await makeBorgRepo(images, dir);
    c['mc-backup'].image = images.tags['mc-backup'];
    c['mc-backup'].env = { ...c['mc-backup'].env, BORG_PASSPHRASE_FILE: '/run/secrets/borg-passphrase' };
    c['mc-backup'].binds = [
      { source: borg.repo, target: '/backup', ro: false },
      { source: borg.passphrase, target: '/run/secrets/borg-passphrase', ro: true },
    ];
    c['mc-ttyd-rcon'].image = images.tags['mc-ttyd-rcon'];
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
      'lab-subset',
      '--world',
      '/srv/minecraft/world',
      // The game port, published from the WAN through rproxy-edge (the fake answers the server list ping).
      '--game-port',
      '25565',
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
    const labFile = await writeLab(dir, raw);
    await seedWorkingTree(images, images.tags['mc-server'] as string);
    const rendered = join(dir, 'rendered');
    const hostNs = createNetns(`${tag}-host`);
    // A WAN client joined to the host by a veth pair named like the host's WAN interface (lab.yaml: eth0).
    const wanNs = createNetns(`${tag}-wan`);
    await exec('ip', ['link', 'add', 'name', 'eth0', 'netns', hostNs, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', wanNs]);
    await batch(hostNs, [`addr add ${WAN_HOST_IP}/24 dev eth0`, 'link set eth0 up']);
    await batch(wanNs, [`addr add ${WAN_CLIENT_IP}/24 dev eth0`, 'link set eth0 up']);
    const labctl = labctlIn(hostNs, images.sandbox, ['--netns-prefix', `${tag}-`, '--config-dir', rendered]);
    const render = await plainLabctl(['render', labFile, '--out', rendered]);
    if (render.code !== 0) throw new Error(render.stderr);
    /** `labctl run` in the test's host namespace (its health server on that namespace's 127.0.0.1:9000). */
    const startDaemon = (): ChildProcess => {
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
          env: {
            ...process.env,
            PATH: `${images.sandbox.bin}:${process.env.PATH ?? ''}`,
            LOG_LEVEL: process.env.LAB_TEST_DAEMON_LOG ?? 'info',
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      child.stderr?.on('data', (c: Buffer) => process.stderr.write(c));
      return child;
    };
    const parsed = parseLab(readFileSync(labFile, 'utf8'));
    if (!parsed.ok) throw new Error(`the test lab does not parse: ${JSON.stringify(parsed.issues)}`);
    const runArgsOf = (container: string) => runArgs(parsed.lab, container, { containerPrefix: '', configDir: rendered });
    return { images, dir, labFile, hostNs, wanNs, labctl, startDaemon, sshKey, lab: parsed.lab, runArgsOf };
  } catch (error) {
    await images.sandbox.close();
    throw error;
  }
}

/**
 * mc-ttyd-rcon's console as ttyd would start it for a browser session, in that container's own
 * `podman run` line from labctl (image, mc-rcon volume read-only, hardening flags, env): ttyd is not
 * packaged in Debian 12, so the substitute base has none and the image's entrypoint
 * (`tini -- ttyd --writable --port 7681 mc-console`) cannot run here. What changes: the entrypoint is
 * `tini -- mc-console` (ttyd's own argument, the program it runs per session) with the given
 * arguments, run once (`--rm`, so no restart policy and no health check on ttyd's port).
 */
export function consoleRunArgs(runArgsOf: (container: string) => string[], args: string[]): string[] {
  const line = runArgsOf('mc-ttyd-rcon');
  const out: string[] = [];
  for (let i = 0; i < line.length; i++) {
    const a = line[i] as string;
    if (a === '--restart' || a === '--health-cmd' || a === '--health-interval') i++;
    else if (a === '--no-healthcheck') continue;
    else out.push(a);
  }
  const image = out.findIndex((a) => a.includes('/mc-ttyd-rcon:'));
  if (image < 0) throw new Error('no mc-ttyd-rcon image in its run line');
  return ['run', '--rm', ...out.slice(0, image), '--entrypoint', '["/sbin/tini","--","mc-console"]', out[image] as string, ...args];
}
