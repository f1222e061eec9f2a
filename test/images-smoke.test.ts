import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { startCaddy } from '@homelab/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appContainerfiles, type Containerfile, isPlaceholderApp } from './images/containerfiles.js';
import { edgeScenarios } from './images/edge-scenarios.js';
import {
  buildImage,
  expectHealthyAs,
  processUsers,
  removeContainer,
  runOnce,
  sh,
  startContainer,
  TEST_REPO,
  waitHealthy,
} from './images/image-runner.js';
import { PodmanSandbox, repoRoot } from './images/podman-sandbox.js';
import { buildSubstituteRootfs } from './images/substitute-rootfs.js';

/*
 * Image smoke test: no registry is reachable here, so a substitute for Alpine is made from this
 * machine's programs (test/images/substitute-rootfs.ts) and `podman import`ed; every app image is then
 * built through its real Containerfile and the real image task (base passed as a build arg, tools
 * preinstalled, the prebuilt bundle, --network none), and run with --network none --read-only
 * --cap-drop ALL --security-opt no-new-privileges. The list of images comes from containerfiles/.
 */

const files = appContainerfiles();
const ALPINE_SUBSTITUTE = `${TEST_REPO}/substitute-rootfs:${process.pid}`;

let sandbox: PodmanSandbox;
let work: string;
const before = { ipForward: '' };
/** What podman and runc wrote outside their flags' folders, caught by the sandbox's overlays. */
const captured = { varLibContainers: false, runRunc: false };
const sizes: { image: string; app: string; total: number; own: number; bundle: number }[] = [];
let baseSize = 0;

const readIpForward = () => readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();

function bundleOf(app: string): string {
  return join(repoRoot, 'apps', app, 'dist', 'main.js');
}

/** What the image copies of the bundle: the app's dist/ (launcher, payload, code cache). */
function bundleBytes(app: string): number {
  const dist = dirname(bundleOf(app));
  return readdirSync(dist).reduce((sum, file) => sum + statSync(join(dist, file)).size, 0);
}

async function build(f: Containerfile): Promise<string> {
  const { tag } = await buildImage(sandbox, f.image, ALPINE_SUBSTITUTE);
  const inspect = async (ref: string) => Number((await sandbox.podman(['image', 'inspect', '--format', '{{.Size}}', ref])).stdout.trim());
  if (baseSize === 0)
    baseSize = await inspect(`${TEST_REPO}/runtime-base:${JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version}`);
  const total = await inspect(tag);
  sizes.push({
    image: f.image,
    app: f.app ?? `(${f.tool})`,
    total,
    own: total - baseSize,
    bundle: f.app ? bundleBytes(f.app) : 0,
  });
  // The tags carry the version and the commit (the one checked out when the task ran).
  const commit = (
    await sandbox.podman(['image', 'inspect', '--format', '{{index .Labels "org.opencontainers.image.revision"}}', tag])
  ).stdout.trim();
  expect(
    () => execFileSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: repoRoot, stdio: 'ignore' }),
    `revision ${commit}`,
  ).not.toThrow();
  const tags = (await sandbox.podman(['image', 'inspect', '--format', '{{join .RepoTags " "}}', tag])).stdout;
  expect(tags).toContain(`${tag}-${commit}`);
  const versionFile = f.app ? join(repoRoot, 'apps', f.app, 'package.json') : join(repoRoot, 'package.json');
  expect(tag).toMatch(new RegExp(`:${JSON.parse(readFileSync(versionFile, 'utf8')).version}$`));
  return tag;
}

/** A small world: region files, level.dat, a session.lock. */
function makeWorld(dir: string): void {
  mkdirSync(join(dir, 'region'), { recursive: true });
  for (let x = 0; x < 3; x++) writeFileSync(join(dir, 'region', `r.${x}.0.mca`), Buffer.alloc(64 * 1024, x + 1));
  writeFileSync(join(dir, 'level.dat'), 'level data');
  writeFileSync(join(dir, 'session.lock'), '');
}

type Scenario = (tag: string, f: Containerfile) => Promise<void>;

const PROBE = '/usr/local/lib/homelab/healthcheck.mjs';
const FAKES = join(repoRoot, 'packages/testkit/dist');

async function waitFor(probe: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** mc-server with the testkit's faithful fake Minecraft server as the supervised child (no Java here). */
async function startMcServer(tag: string): Promise<void> {
  const fake = join(FAKES, 'fake-minecraft.js');
  expect(existsSync(fake), `${fake} is missing: run "npm run build" first`).toBe(true);
  await startContainer(sandbox, tag, {
    name: 'smoke-mc-server',
    env: { RCON_PASSWORD: 'smoke-test' },
    volumes: ['smoke-mc-rcon:/run/rcon', 'smoke-mc-tree:/srv/minecraft', `${fake}:/opt/fake/fake-minecraft.js:ro`],
    args: [
      'run',
      '--',
      'node',
      '/opt/fake/fake-minecraft.js',
      '--port',
      '25575',
      '--password',
      'smoke-test',
      '--world',
      '/srv/minecraft/world',
    ],
  });
}

const scenarios: Record<string, Scenario> = {
  ...edgeScenarios(() => ({ sandbox, work })),
  async 'mc-server'(tag) {
    await startMcServer(tag);
    await expectHealthyAs(sandbox, 'smoke-mc-server', 'homelab');
    // Ready once the bridge holds its authenticated RCON connection to the supervised server.
    await waitFor(
      async () => (await sandbox.podman(['exec', 'smoke-mc-server', 'node', PROBE, '/readyz'], { check: false })).code === 0,
      'rcon-bridge /readyz',
    );
    const socket = await sandbox.podman(['exec', 'smoke-mc-server', 'test', '-S', '/run/rcon/rcon.sock'], { check: false });
    expect(socket.code, 'the bridge socket in the mc-rcon volume').toBe(0);
    const users = await processUsers(sandbox, 'smoke-mc-server');
    expect(
      users.some((p) => p.args.includes('fake-minecraft')),
      'the server runs as a child of the bridge',
    ).toBe(true);
    await removeContainer(sandbox, 'smoke-mc-server');
  },

  async 'mc-ttyd-rcon'(tag) {
    // ttyd is not packaged in Debian 12, so the substitute base lacks it: the image's own ENTRYPOINT
    // (ttyd) and its HEALTHCHECK (ttyd's port) cannot run here. What runs is mc-console from the
    // image, as ttyd would start it, against a live mc-server container through the mc-rcon volume.
    const server = await buildImage(sandbox, 'mc-server', ALPINE_SUBSTITUTE);
    await startMcServer(server.tag);
    await waitFor(
      async () => (await sandbox.podman(['exec', 'smoke-mc-server', 'node', PROBE, '/readyz'], { check: false })).code === 0,
      'rcon-bridge /readyz',
    );
    const exec = await runOnce(sandbox, tag, {
      name: 'smoke-mc-console',
      entrypoint: 'mc-console',
      args: ['exec', 'list'],
      volumes: ['smoke-mc-rcon:/run/rcon:ro'], // read-only, as in compose/akitio.yaml
    });
    expect(exec.code, `${exec.stdout}\n${exec.stderr}`).toBe(0);
    expect(exec.stdout).toMatch(/players online/);
    const user = await runOnce(sandbox, tag, { name: 'smoke-mc-console-id', entrypoint: 'id', args: ['-u'] });
    expect(user.stdout.trim()).toBe('10001');
    const health = JSON.parse((await sandbox.podman(['image', 'inspect', '--format', '{{json .HealthCheck}}', tag])).stdout);
    expect(health.Test).toEqual(['CMD', 'node', PROBE, 'tcp:127.0.0.1:7681']);
    await removeContainer(sandbox, 'smoke-mc-server');
  },

  async 'zfs-backup'(tag) {
    // The README's example config; no zfs here, so cycles fail and are logged, the agent stays up.
    const readme = readFileSync(join(repoRoot, 'apps/zfs-agent/README.md'), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example, 'a yaml example in apps/zfs-agent/README.md').toBeDefined();
    const config = join(work, 'zfs-agent.yaml');
    writeFileSync(config, example ?? '', { mode: 0o644 });
    await startContainer(sandbox, tag, { name: 'smoke-zfs-backup', volumes: [`${config}:/etc/zfs-agent/config.yaml:ro`] });
    // Root on purpose (/dev/zfs), but with no capability at all under --cap-drop ALL.
    await expectHealthyAs(sandbox, 'smoke-zfs-backup', 'root');
    const caps = await sandbox.podman(['exec', 'smoke-zfs-backup', 'grep', 'CapEff', '/proc/1/status']);
    expect(caps.stdout).toMatch(/CapEff:\s+0+$/m);
    await removeContainer(sandbox, 'smoke-zfs-backup');
  },

  async 'mc-backup'(tag) {
    const world = join(work, 'world');
    makeWorld(world);
    const common = {
      // As compose/akitio.yaml runs it: the repo is the bind mount itself.
      env: { BORG_PASSPHRASE: 'smoke-test-passphrase', BORG_REPO: '/backup' },
      volumes: ['smoke-backup-state:/var/lib/mc-backup', 'smoke-backup-repo:/backup', `${world}:/srv/minecraft/world:ro`],
    };
    const init = await runOnce(sandbox, tag, {
      ...common,
      name: 'smoke-borg-init',
      entrypoint: 'borg',
      args: ['init', '--encryption=repokey-blake2', '/backup'],
    });
    expect(init.code, init.stderr).toBe(0);
    // A real backup: no bridge reachable, so mc-backup backs up without pausing.
    const now = await runOnce(sandbox, tag, { ...common, name: 'smoke-backup-now', args: ['now'] });
    expect(now.code, `${now.stdout}\n${now.stderr}`).toBe(0);
    const list = await runOnce(sandbox, tag, {
      ...common,
      name: 'smoke-borg-list',
      entrypoint: 'borg',
      args: ['list', '--short', '/backup'],
    });
    expect(list.code, list.stderr).toBe(0);
    const archives = list.stdout.trim().split('\n').filter(Boolean);
    expect(archives).toHaveLength(1);
    // The archive holds the world's files, byte for byte.
    const files = await runOnce(sandbox, tag, {
      ...common,
      name: 'smoke-borg-files',
      entrypoint: 'borg',
      args: ['list', '--format', '{path} {size}{NL}', `/backup::${archives[0]}`],
    });
    expect(files.code, files.stderr).toBe(0);
    expect(files.stdout).toMatch(/region\/r\.2\.0\.mca 65536/);
    expect(files.stdout).toMatch(/level\.dat 10/);
    // The daemon: healthy, not root.
    await startContainer(sandbox, tag, { ...common, name: 'smoke-mc-backup' });
    await expectHealthyAs(sandbox, 'smoke-mc-backup', 'homelab');
    await removeContainer(sandbox, 'smoke-mc-backup');

    // The module as compose wires it: a live (fake) server in mc-server writes the world in the
    // mc-working-tree volume; mc-backup pauses saving through the bridge's backup socket (mc-rcon
    // volume, read-only) while it copies, then archives.
    const server = await buildImage(sandbox, 'mc-server', ALPINE_SUBSTITUTE);
    await startMcServer(server.tag);
    await waitFor(
      async () => (await sandbox.podman(['exec', 'smoke-mc-server', 'node', PROBE, '/readyz'], { check: false })).code === 0,
      'rcon-bridge /readyz',
    );
    const live = await runOnce(sandbox, tag, {
      name: 'smoke-backup-live',
      env: common.env,
      volumes: [
        'smoke-backup-state:/var/lib/mc-backup',
        'smoke-backup-repo:/backup',
        'smoke-mc-rcon:/run/rcon:ro',
        'smoke-mc-tree:/srv/minecraft:ro',
      ],
      args: ['now'],
    });
    expect(live.code, `${live.stdout}\n${live.stderr}`).toBe(0);
    expect(live.stdout, 'saving was paused through the bridge').toMatch(/"paused":true/);
    const after = await runOnce(sandbox, tag, {
      ...common,
      name: 'smoke-borg-list2',
      entrypoint: 'borg',
      args: ['list', '--short', '/backup'],
    });
    expect(after.stdout.trim().split('\n')).toHaveLength(2);
    await removeContainer(sandbox, 'smoke-mc-server');
  },

  async 'mc-map'(tag) {
    const world = join(work, 'map-world');
    makeWorld(world);
    // little-a-map is not packaged anywhere here: the testkit's fake renderer stands in for it.
    const fake = join(FAKES, 'fake-little-a-map.js');
    expect(existsSync(fake), `${fake} is missing: run "npm run build" first`).toBe(true);
    const renderer = join(work, 'little-a-map');
    writeFileSync(renderer, '#!/bin/sh\nexec node /opt/fake/fake-little-a-map.js "$@"\n', { mode: 0o755 });
    await startContainer(sandbox, tag, {
      name: 'smoke-mc-map',
      env: { MAP_RENDERER: '/opt/fake/little-a-map', MAP_DEBOUNCE: '500ms', MAP_MAX_WAIT: '5s' },
      volumes: [
        'smoke-map:/var/lib/map',
        `${world}:/srv/minecraft/world:ro`,
        `${fake}:/opt/fake/fake-little-a-map.js:ro`,
        `${renderer}:/opt/fake/little-a-map:ro`,
      ],
    });
    // The probe covers map-watcher's /healthz and lighttpd's port.
    await expectHealthyAs(sandbox, 'smoke-mc-map', 'homelab');
    // A change in the world is rendered, published and served by lighttpd.
    writeFileSync(join(world, 'region', 'r.9.9.mca'), Buffer.alloc(4096, 9));
    await waitFor(
      async () =>
        (await sandbox.podman(['exec', 'smoke-mc-map', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8080/'], { check: false }))
          .code === 0,
      'the published map on lighttpd',
    );
    await removeContainer(sandbox, 'smoke-mc-map');
  },

  async 'reverse-proxy-stats'(tag) {
    // A real Caddy on this machine's loopback writes its JSON access log into a folder bound where
    // compose/michel.yaml mounts caddy-logs (read-only); the report lives in a named volume.
    const caddy = await startCaddy();
    const mark = `smoke${process.pid}`;
    const name = 'smoke-proxy-stats';
    try {
      for (let i = 0; i < 3; i++) expect(await caddy.get(`/${mark}-a${i}`)).toBe(404);
      await startContainer(sandbox, tag, {
        name,
        env: { STATS_POLL: '200ms', STATS_DEBOUNCE: '300ms', STATS_MAX_WAIT: '2s' },
        volumes: [`${caddy.logDir}:/var/log/caddy:ro`, 'smoke-proxy-stats:/var/lib/proxy-stats'],
      });
      // The probe covers proxy-stats' /healthz and lighttpd's port.
      await expectHealthyAs(sandbox, name, 'homelab');
      type Report = { general: { total_requests: number }; not_found: { data: { data: string; hits: { count: number } }[] } };
      const served = async (path: string) => {
        const r = await sandbox.podman(['exec', name, 'wget', '-q', '-O', '-', `http://127.0.0.1:8080${path}`], { check: false });
        return r.code === 0 ? r.stdout : undefined;
      };
      const report = async () => JSON.parse((await served('/report.json')) ?? 'null') as Report | null;
      const hits = (r: Report | null, path: string) => r?.not_found.data.find((d) => d.data === path)?.hits.count;
      // Caddy's start probe (/up) and the test's three requests, served by lighttpd from the published report.
      await waitFor(async () => (await report())?.general.total_requests === 4, 'the report of 4 requests');
      const first = await report();
      for (let i = 0; i < 3; i++) expect(hits(first, `/${mark}-a${i}`)).toBe(1);
      expect(await served('/')).toContain(`/${mark}-a0`);
      // Restart the container while the log is rotated away: the old requests are now only in
      // GoAccess's database in the volume, and the report keeps them next to the new ones.
      await sandbox.podman(['stop', '--time', '10', name]);
      await caddy.stop();
      await rename(caddy.accessLog, `${caddy.accessLog}.1`);
      await caddy.start();
      expect(await caddy.get(`/${mark}-b0`)).toBe(404);
      await sandbox.podman(['start', name]);
      await waitHealthy(sandbox, name);
      await waitFor(async () => (await report())?.general.total_requests === 6, 'the report of 6 requests after the restart');
      const after = await report();
      for (const path of [`/${mark}-a0`, `/${mark}-a1`, `/${mark}-a2`, `/${mark}-b0`]) expect(hits(after, path), path).toBe(1);
    } finally {
      await removeContainer(sandbox, name);
      await caddy.stop();
      await rm(caddy.dir, { recursive: true, force: true });
    }
  },

  async 'git-ssh'(tag) {
    const keys = join(work, 'ssh');
    mkdirSync(keys, { recursive: true });
    await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'smoke', '-f', join(keys, 'id')]);
    writeFileSync(join(keys, 'authorized_keys'), readFileSync(join(keys, 'id.pub')));
    await startContainer(sandbox, tag, {
      name: 'smoke-git-ssh',
      volumes: [
        'smoke-git-repos:/home/git/repos',
        'smoke-git-keys:/var/lib/git-ssh',
        `${keys}/authorized_keys:/home/git/.ssh/authorized_keys:ro`,
      ],
    });
    await expectHealthyAs(sandbox, 'smoke-git-ssh', 'git');
    // Log in over ssh from inside the container (it has no network): only the git-shell commands work.
    await sandbox.podman(['exec', '-i', 'smoke-git-ssh', 'sh', '-c', 'umask 077 && cat > /tmp/id'], {
      input: readFileSync(join(keys, 'id'), 'utf8'),
    });
    const ssh = (...cmd: string[]) =>
      sandbox.podman(
        [
          'exec',
          'smoke-git-ssh',
          'ssh',
          '-i',
          '/tmp/id',
          '-p',
          '2222',
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          'UserKnownHostsFile=/dev/null',
          '-o',
          'LogLevel=ERROR',
          'git@127.0.0.1',
          ...cmd,
        ],
        { check: false },
      );
    const mk = await ssh('mk', 'smoke');
    expect(mk.code, mk.stderr).toBe(0);
    expect(mk.stdout).toContain('made public repo smoke');
    const ls = await ssh('ls');
    expect(ls.stdout).toMatch(/^smoke\s+public/m);
    // git over ssh: clone the new repo, commit, push, clone again (all inside the container).
    const gitSsh = 'ssh -i /tmp/id -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR';
    const roundTrip = await sandbox.podman(
      [
        'exec',
        '-e',
        `GIT_SSH_COMMAND=${gitSsh}`,
        '-e',
        'HOME=/tmp',
        'smoke-git-ssh',
        'sh',
        '-c',
        'set -e; cd /tmp; git clone -q git@127.0.0.1:repos/smoke a; cd a; echo hello > hello.txt; git add hello.txt; ' +
          'git -c user.name=smoke -c user.email=smoke@example.invalid commit -q -m "first"; git push -q origin HEAD:main; ' +
          'cd /tmp; git clone -q git@127.0.0.1:repos/smoke b; cat b/hello.txt',
      ],
      { check: false },
    );
    expect(roundTrip.code, roundTrip.stderr).toBe(0);
    expect(roundTrip.stdout.trim()).toBe('hello');
    const shell = await ssh('sh', '-c', 'id');
    expect(shell.code, 'no shell beyond the git-shell commands').not.toBe(0);
    await removeContainer(sandbox, 'smoke-git-ssh');
  },

  async 'zfs-ssh'(tag) {
    // A datastore as the host binds it: root-owned chroot, a writable folder and an rsync area per uid.
    const store = join(work, 'storage');
    mkdirSync(join(store, 'shared', 'docs'), { recursive: true, mode: 0o755 });
    mkdirSync(join(store, 'sat'), { mode: 0o755 });
    await sh('chown', ['20001:20001', join(store, 'shared', 'docs')]);
    await sh('chown', ['20002:20002', join(store, 'sat')]);
    await sh('chmod', ['755', store, join(store, 'shared')]);
    const keys = join(work, 'zfs-ssh-keys');
    mkdirSync(keys, { recursive: true });
    await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'smoke', '-f', join(keys, 'id')]);
    const key = readFileSync(join(keys, 'id.pub'), 'utf8').trim();
    const config = join(work, 'sftp-config');
    mkdirSync(config, { recursive: true });
    writeFileSync(
      join(config, 'users.yaml'),
      `users:\n  - { name: editor, uid: 20001, keys: ["${key}"], mode: sftp, access: rw, root: shared, writable: [docs] }\n` +
        `  - { name: sat, uid: 20002, keys: ["${key}"], mode: rsync, access: rw, root: sat }\n`,
    );
    // The capabilities compose/isidore.yaml adds; everything else stays dropped.
    const caps = ['SYS_CHROOT', 'SETUID', 'SETGID', 'NET_BIND_SERVICE', 'KILL'];
    await startContainer(sandbox, tag, {
      name: 'smoke-zfs-ssh',
      volumes: [`${store}:/srv/storage`, `${config}:/etc/sftp-config:ro`, 'smoke-zfs-ssh-state:/var/lib/zfs-ssh'],
      extra: caps.flatMap((c) => ['--cap-add', c]),
    });
    await waitHealthy(sandbox, 'smoke-zfs-ssh');
    const status = await sandbox.podman(['exec', 'smoke-zfs-ssh', 'grep', 'CapEff', '/proc/1/status']);
    // SETGID 6, SETUID 7, NET_BIND_SERVICE 10, SYS_CHROOT 18, KILL 5.
    expect(status.stdout).toMatch(/CapEff:\s+0*404e0$/m);
    await sandbox.podman(['exec', '-i', 'smoke-zfs-ssh', 'sh', '-c', 'umask 077 && cat > /tmp/id'], {
      input: readFileSync(join(keys, 'id'), 'utf8'),
    });
    const sshOpts = '-i /tmp/id -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes';
    const inside = (script: string) => sandbox.podman(['exec', 'smoke-zfs-ssh', 'sh', '-c', script], { check: false });
    // rsync push and pull through the gate, as the satellite would (from inside: no network; the
    // pull keeps no owners, the container has no CAP_CHOWN).
    const rsync = await inside(
      `set -e; mkdir -p /tmp/src/d; echo hello > /tmp/src/d/a.txt; rsync -a --delete -e "ssh ${sshOpts}" /tmp/src/ sat@127.0.0.1:copy/; ` +
        `rsync -a --no-o --no-g -e "ssh ${sshOpts}" sat@127.0.0.1:copy/ /tmp/back/; cat /tmp/back/d/a.txt`,
    );
    const logs = async () => (await sandbox.podman(['logs', 'smoke-zfs-ssh'], { check: false })).stdout.slice(-3000);
    expect(rsync.code, `${rsync.stderr}\n${await logs()}`).toBe(0);
    expect(rsync.stdout.trim()).toBe('hello');
    expect(readFileSync(join(store, 'sat', 'copy', 'd', 'a.txt'), 'utf8')).toBe('hello\n');
    const shell = await inside(`ssh ${sshOpts} sat@127.0.0.1 sh -c id`);
    expect(shell.code, 'no shell for an rsync user').not.toBe(0);
    expect(shell.stderr).toMatch(/only runs rsync/);
    // sftp into the chroot: the writable folder takes a file, `/` is the chroot.
    const sftp = await inside(
      `echo edited > /tmp/e.txt; printf 'put /tmp/e.txt docs/e.txt\\ncd ..\\nls -1 /\\n' | sftp -b - ${sshOpts} editor@127.0.0.1`,
    );
    expect(sftp.code, `${sftp.stderr}\n${await logs()}`).toBe(0);
    expect(sftp.stdout).toMatch(/^\/?docs$/m);
    expect(readFileSync(join(store, 'shared', 'docs', 'e.txt'), 'utf8')).toBe('edited\n');
    await removeContainer(sandbox, 'smoke-zfs-ssh');
  },

  async 'zfs-web'(tag) {
    // Built with FILESTASH=none (no download here): filestash-config renders config.json, is healthy,
    // and is not ready because filestash is not installed. The datastore is bound read-only, as in
    // compose/isidore.yaml; the config folder holds the shares YAML and the two secrets.
    const store = join(work, 'web-storage');
    mkdirSync(join(store, 'docs'), { recursive: true });
    writeFileSync(join(store, 'docs', 'a.txt'), 'hello\n');
    const config = join(work, 'filestash-config');
    mkdirSync(config, { recursive: true });
    const hash = '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234';
    const key = 'smokeKey12345678';
    writeFileSync(join(config, 'web.yaml'), 'name: isidore\ndatastore: /srv/storage\nbackup_pool: [/zfs/backup]\n');
    writeFileSync(join(config, 'admin.hash'), `${hash}\n`, { mode: 0o600 });
    writeFileSync(join(config, 'secret.key'), key, { mode: 0o600 });
    await sh('chown', ['-R', '10001:10001', config]);
    const name = 'smoke-zfs-web';
    const common = {
      volumes: [`${store}:/srv/storage:ro`, `${config}:/etc/filestash-config:ro`, 'smoke-zfs-web-state:/app/data/state'],
      extra: ['--tmpfs', '/tmp', '--tmpfs', '/app/data/cache'],
    };
    await startContainer(sandbox, tag, { name, ...common });
    await expectHealthyAs(sandbox, name, 'homelab');
    type Ready = { ready: boolean; checks: Record<string, { ok: boolean; detail: string }> };
    const readyz = async () => {
      const r = await sandbox.podman(
        ['exec', name, 'node', '-e', "fetch('http://127.0.0.1:9000/readyz').then((r) => r.text()).then((t) => console.log(t))"],
        { check: false },
      );
      return JSON.parse(r.stdout) as Ready;
    };
    await waitFor(async () => (await readyz()).checks.render?.ok === true, 'the first render');
    const ready = await readyz();
    expect(ready.ready, 'not ready without filestash').toBe(false);
    expect(ready.checks.filestash).toEqual({ ok: false, detail: 'not installed at /app/filestash' });
    expect(ready.checks.shares, 'the datastore is on a read-only mount').toEqual({ ok: true, detail: 'all enabled' });
    expect(ready.checks['private-hub-only']?.ok).toBe(true);
    // The config in the container: the private hub address, the datastore read-only, 0600 for homelab.
    const rendered = JSON.parse((await sandbox.podman(['exec', name, 'cat', '/app/data/state/config/config.json'])).stdout);
    expect(rendered.general.host).toBe('10.1.3.1:8334');
    expect(rendered.connections).toEqual([{ type: 'local', label: 'storage', path: '/srv/storage/' }]);
    expect(rendered.auth.admin).toBe(hash);
    const mode = await sandbox.podman(['exec', name, 'stat', '-c', '%a %u', '/app/data/state/config/config.json']);
    expect(mode.stdout.trim()).toBe('600 10001');
    const write = await sandbox.podman(['exec', name, 'touch', '/srv/storage/docs/new'], { check: false });
    expect(write.code, 'the datastore is read-only in the container').not.toBe(0);
    const logs = await sandbox.podman(['logs', name]);
    expect(logs.stdout + logs.stderr).toContain('filestash is not installed');
    expect(logs.stdout + logs.stderr).not.toContain(hash);
    expect(logs.stdout + logs.stderr).not.toContain(key);
    await removeContainer(sandbox, name);
    // The same image with the datastore bound read-write: the read-only share is refused, one line.
    const rw = await runOnce(sandbox, tag, {
      name: 'smoke-zfs-web-rw',
      volumes: [`${store}:/srv/storage`, `${config}:/etc/filestash-config:ro`, 'smoke-zfs-web-state:/app/data/state'],
      extra: common.extra,
      args: ['render'],
    });
    expect(rw.code, `${rw.stdout}\n${rw.stderr}`).toBe(1);
    expect(rw.stdout).toContain(
      'share storage disabled: read-only, but /srv/storage is on the writable mount /srv/storage (bind it read-only)',
    );

    // The pinned-release stage (FILESTASH=download), with a release archive served on this machine's
    // loopback (the build runs on the host network to reach it). Its `filestash` is a placeholder
    // that is never run: what is tested is the checksum gate and where the archive lands.
    const release = join(work, 'release');
    mkdirSync(join(release, 'filestash-v0', 'data', 'public'), { recursive: true });
    writeFileSync(join(release, 'filestash-v0', 'filestash'), '#!/bin/sh\necho "placeholder, not filestash" >&2\nexit 1\n', {
      mode: 0o755,
    });
    writeFileSync(join(release, 'filestash-v0', 'data', 'public', 'index.html'), '<!doctype html>\n');
    const archive = join(release, 'filestash.tar.gz');
    await sh('tar', ['-czf', archive, '-C', release, 'filestash-v0']);
    const sha256 = createHash('sha256').update(readFileSync(archive)).digest('hex');
    const server = createServer((req, res) => {
      if (req.url !== '/filestash.tar.gz') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/gzip' }).end(readFileSync(archive));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/filestash.tar.gz`;
    try {
      const download = (sum: string) =>
        buildImage(sandbox, 'zfs-web', ALPINE_SUBSTITUTE, {
          args: `FILESTASH=download FILESTASH_URL=${url} FILESTASH_SHA256=${sum}`,
          network: 'host',
        });
      const wrong = `${sha256.slice(0, -1)}${sha256.endsWith('0') ? '1' : '0'}`;
      await expect(download(wrong), 'a checksum mismatch fails the build').rejects.toThrow(/FAILED|did NOT match/);
      const good = await download(sha256);
      const app = await runOnce(sandbox, good.tag, {
        name: 'smoke-zfs-web-app',
        entrypoint: 'sh',
        args: ['-c', 'test -x /app/filestash && ls /app/data && ls /usr/local/share/homelab 2>/dev/null | wc -l'],
      });
      expect(app.code, app.stderr).toBe(0);
      expect(app.stdout.trim().split('\n'), 'the archive at /app, the state and cache folders made, no NO-FILESTASH marker').toEqual([
        'cache',
        'public',
        'state',
        '0',
      ]);
    } finally {
      server.close();
    }
  },

  async 'git-web'(tag) {
    const pool = join(work, 'pool');
    const clone = join(work, 'clone');
    mkdirSync(pool, { recursive: true });
    await sh('git', ['init', '-q', '--bare', '-b', 'main', join(pool, 'demo.git')]);
    await sh('git', ['init', '-q', '--bare', '-b', 'main', join(pool, 'secret.git')]);
    await sh('git', ['config', '--file', join(pool, 'secret.git', 'config'), 'cgit.ignore', 'true']);
    await sh('git', ['init', '-q', '-b', 'main', clone]);
    writeFileSync(join(clone, 'README.md'), '# Demo\n\nServed by *cgit* in the git-web image.\n');
    writeFileSync(join(clone, 'fabric.json'), '{"dotted": "path"}\n');
    const git = (...args: string[]) =>
      sh('git', ['-c', 'user.name=smoke', '-c', 'user.email=smoke@example.invalid', ...args], { cwd: clone });
    await git('add', '.');
    await git('commit', '-q', '-m', 'smoke commit');
    await git('push', '-q', join(pool, 'demo.git'), 'main');
    await sh('chmod', ['-R', 'a+rX', pool]);
    // With compose/eligius.yaml's tmpfs mounts; the rendered configs go to the image's /tmp/cgit.
    await startContainer(sandbox, tag, {
      name: 'smoke-git-web',
      volumes: [`${pool}:/home/git/repos:ro`],
      extra: ['--tmpfs', '/run', '--tmpfs', '/tmp'],
    });
    await expectHealthyAs(sandbox, 'smoke-git-web', 'homelab');
    const get = (path: string) =>
      sandbox.podman(['exec', 'smoke-git-web', 'wget', '-q', '-S', '-O', '-', `http://127.0.0.1:8080${path}`], { check: false });
    const index = await get('/');
    expect(index.code, index.stderr).toBe(0);
    expect(index.stdout).toContain('demo');
    expect(index.stdout).not.toContain('secret');
    const log = await get('/demo/log/');
    expect(log.stdout).toContain('smoke commit');
    const about = await get('/demo/about/');
    expect(about.stdout).toContain('<em>cgit</em>');
    const dotted = await get('/demo/tree/fabric.json');
    expect(dotted.stdout).toContain('dotted');
    // The private repo is absent from cgit's config: no page, no clone, a 404.
    const secret = await get('/secret/');
    expect(secret.code).not.toBe(0);
    expect(secret.stderr).toMatch(/404/);
    const httpClone = await get('/demo/info/refs');
    expect(httpClone.code, 'http clone of the public repo').toBe(0);
    const secretClone = await get('/secret/info/refs');
    expect(secretClone.stderr).toMatch(/404/);
    await removeContainer(sandbox, 'smoke-git-web');
  },
};

describe('images on a substitute base (no registry here)', () => {
  beforeAll(async () => {
    before.ipForward = readIpForward();
    sandbox = await PodmanSandbox.create();
    work = join(sandbox.dir, 'work');
    mkdirSync(work);
    const rootfs = join(sandbox.dir, 'rootfs');
    mkdirSync(rootfs);
    buildSubstituteRootfs(rootfs);
    await sandbox.importDir(rootfs, ALPINE_SUBSTITUTE);
    await sh('rm', ['-rf', rootfs]);
  }, 300_000);

  afterAll(async () => {
    if (sandbox) {
      captured.varLibContainers = existsSync(join(sandbox.dir, 'ov/var/upper/lib/containers'));
      captured.runRunc = existsSync(join(sandbox.dir, 'ov/run/upper/runc'));
    }
    await sandbox?.close();
    if (sizes.length > 0) {
      const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
      const rows = sizes.map((s) => `| ${s.image} | ${s.app} | ${mb(s.total)} | ${mb(s.own)} | ${(s.bundle / 1e3).toFixed(0)} kB |`);
      process.stdout.write(
        `\nimage sizes on the substitute base (runtime base ${mb(baseSize)}):\n| image | app | total | own layers | bundle |\n|---|---|---|---|---|\n${rows.join('\n')}\n`,
      );
    }
  }, 180_000);

  for (const f of files) {
    const app = f.app ?? '';
    if (f.app && isPlaceholderApp(app)) {
      // Visible in the test list, never silent: the image is covered once the app is real.
      it(`${f.image}: NOT COVERED YET, apps/${app}/src/main.ts is still the placeholder`, () => {
        expect(isPlaceholderApp(app)).toBe(true);
      });
      continue;
    }
    it(`${f.image} (${f.app ?? f.tool}): builds from its Containerfile on the substitute base and runs hardened`, async () => {
      if (f.app) expect(existsSync(bundleOf(app)), `${bundleOf(app)} is missing: run "npm run build" first`).toBe(true);
      const scenario = scenarios[f.image];
      expect(scenario, `a smoke scenario for ${f.image}`).toBeDefined();
      const tag = await build(f);
      const health = JSON.parse((await sandbox.podman(['image', 'inspect', '--format', '{{json .HealthCheck}}', tag])).stdout);
      expect(health?.Test?.[0], 'HEALTHCHECK kept (docker format)').toBe('CMD');
      if (f.app) {
        // The code caches the image's node wrote at build are the ones V8 takes at a start (read-only
        // root): with the image's NODE_OPTIONS (the sidecar) and without (what sshd starts).
        for (const nodeOptions of [[], ['-e', 'NODE_OPTIONS=']]) {
          const report = await sandbox.podman([
            ...['run', '--rm', '--network', 'none', '--read-only', '--user', '10001', '-e', 'HOMELAB_CODE_CACHE=report', ...nodeOptions],
            ...['--entrypoint', 'node', tag, `/usr/local/lib/homelab/${app}/main.js`, '--help'],
          ]);
          expect(report.stderr, nodeOptions.join(' ')).toMatch(/^homelab code cache: accepted /m);
        }
      }
      await (scenario as Scenario)(tag, f);
    }, 300_000);
  }
});

describe('after the image tests', () => {
  it('left no container, image, storage folder, mount or ip_forward change behind', () => {
    expect(existsSync(sandbox.dir), sandbox.dir).toBe(false);
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(sandbox.dir);
    expect(readIpForward()).toBe(before.ipForward);
    // podman as root writes /var/lib/containers/cache and runc /run/runc whatever the flags say: those
    // writes went into the sandbox's overlays (now deleted), not to the machine. (The machine's own
    // folders are not compared: other tests running in parallel may use the machine's podman.)
    expect(captured, 'global writes caught by the overlays').toEqual({ varLibContainers: true, runRunc: true });
    expect(() => execFileSync('pgrep', ['-f', sandbox.dir], { encoding: 'utf8' }), 'no process of the sandbox left').toThrow();
  });
});
