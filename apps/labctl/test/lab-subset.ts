import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createNetns, makeTempDir } from '@homelab/testkit';
import { sh } from '../../../test/images/image-runner.js';
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
 * The lab subset that the lab test and the bench run: rproxy-edge (Caddy with the rendered Caddyfile),
 * git-web, mc-server (the fake Minecraft server under rcon-bridge) and mc-map, all from their own
 * Containerfiles on the substitute base, in the image tests' podman sandbox; labctl in a namespace
 * standing in for the host (`tag`-host), a WAN client namespace (`tag`-wan) joined to it by eth0.
 * The caller removes namespaces and temp dirs (testkit) and closes `images.sandbox`.
 */
export const SUBSET = ['rproxy-edge', 'git-web', 'mc-map'];
export const SUBSET_CONTAINERS = ['rproxy-edge', 'git-web', 'mc-server', 'mc-map'];

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

export async function setUpLabSubset(tag: string): Promise<LabSubset> {
  const images = await buildLabImages(['rproxy-edge', 'git-web', 'mc-server', 'mc-map']);
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
          env: { ...process.env, PATH: `${images.sandbox.bin}:${process.env.PATH ?? ''}`, LOG_LEVEL: 'info' },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      child.stderr?.on('data', (c: Buffer) => process.stderr.write(c));
      return child;
    };
    return { images, dir, labFile, hostNs, wanNs, labctl, startDaemon };
  } catch (error) {
    await images.sandbox.close();
    throw error;
  }
}
