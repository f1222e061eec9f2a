#!/usr/bin/env node
// The `image` task of each app (turbo runs it after `build`): builds containerfiles/<image>.Containerfile
// with podman, tagged <repo>/<image>:<version> and :<version>-<commit>. When podman is missing, or the
// base images are neither local nor pullable, it prints ONE line saying why and exits 0.
//
//   node scripts/images/build-image.mjs <image>        e.g. mc-backup
//
// Environment (all optional):
//   IMAGE_REPO           name prefix of the tags                    [localhost/homelab]
//   IMAGE_BUILD_ARGS     extra build args, `KEY=VALUE` separated by spaces, e.g.
//                        `BUNDLE=source` (build the bundle inside the builder stage) or the offline
//                        `RUNTIME_BASE=... PACKAGES=preinstalled` of the image tests
//   IMAGE_BUILD_NETWORK  podman build --network value (e.g. `none` where podman's network setup is
//                        unwanted; apk and `BUNDLE=source` need a network)
// The bundle defaults to BUNDLE=prebuilt: the apps/<app>/dist/main.js that `turbo build` just made and
// tested goes into the image. The runtime base (runtime-base.Containerfile) is built first when missing.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const image = process.argv[2];
if (!image || !/^[a-z0-9-]+$/.test(image)) {
  process.stderr.write('usage: build-image.mjs <image>   (the name of a containerfiles/<image>.Containerfile)\n');
  process.exit(2);
}
const containerfile = join(root, 'containerfiles', `${image}.Containerfile`);
if (!existsSync(containerfile)) {
  process.stderr.write(`image ${image}: ${containerfile} does not exist\n`);
  process.exit(2);
}

/** Runs a command; resolves { code, stdout, stderr } (never rejects). */
function sh(cmd, args, opts = {}) {
  return new Promise((done) => {
    execFile(cmd, args, { cwd: root, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', ...opts }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 127) : 0;
      done({ code, stdout: stdout ?? '', stderr: stderr ?? '' });
    });
  });
}

function skip(reason) {
  process.stdout.write(`image ${image}: skipped, ${reason}\n`);
  process.exit(0);
}

function fail(message) {
  process.stderr.write(`image ${image}: ${message}\n`);
  process.exit(1);
}

/** True when host:443 accepts a TCP connection within 3 s. */
function reachable(host) {
  return new Promise((done) => {
    const socket = connect({ host, port: 443, timeout: 3000 }, () => {
      socket.destroy();
      done(true);
    });
    socket.on('timeout', () => socket.destroy(new Error('timeout')));
    socket.on('error', () => done(false));
  });
}

/** The registry host of an image reference; undefined for local-only names (localhost/...). */
function registryOf(ref) {
  const first = ref.split('/')[0];
  const hasHost = ref.includes('/') && (/[.:]/.test(first) || first === 'localhost');
  if (!hasHost || first === 'docker.io') return 'registry-1.docker.io';
  if (first === 'localhost' || first.startsWith('localhost:')) return undefined;
  return first.replace(/:\d+$/, '');
}

const text = readFileSync(containerfile, 'utf8');
const argDefault = (name) => new RegExp(`^ARG ${name}=(\\S+)`, 'm').exec(text)?.[1];
const app = /homelab\.app="([^"]+)"/.exec(text)?.[1];
// A tool image (rproxy-edge: Caddy alone) has no app of ours: no bundle, tagged with the repo version.
const tool = /homelab\.tool="([^"]+)"/.exec(text)?.[1];
if (!app && !tool) fail(`${containerfile} has no LABEL homelab.app="<app>" (or homelab.tool="<tool>")`);
const rootVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const version = app ? JSON.parse(readFileSync(join(root, 'apps', app, 'package.json'), 'utf8')).version : rootVersion;
const commit = (await sh('git', ['rev-parse', '--short=12', 'HEAD'])).stdout.trim() || 'nogit';
const repo = process.env.IMAGE_REPO || 'localhost/homelab';

const buildArgs = new Map(app ? [['BUNDLE', 'prebuilt']] : []);
for (const pair of (process.env.IMAGE_BUILD_ARGS ?? '').split(/\s+/).filter(Boolean)) {
  const at = pair.indexOf('=');
  if (at < 1) fail(`IMAGE_BUILD_ARGS: expected KEY=VALUE, got "${pair}"`);
  buildArgs.set(pair.slice(0, at), pair.slice(at + 1));
}
// A tool image has no bundle stage: a BUNDLE arg would only make podman warn about an unused arg.
if (!app) buildArgs.delete('BUNDLE');
const network = process.env.IMAGE_BUILD_NETWORK ? ['--network', process.env.IMAGE_BUILD_NETWORK] : [];
const offline = buildArgs.get('PACKAGES') === 'preinstalled';

if ((await sh('podman', ['--version'])).code !== 0) skip('podman is not installed');
if (app && buildArgs.get('BUNDLE') === 'prebuilt' && !existsSync(join(root, 'apps', app, 'dist', 'main.js'))) {
  fail(`apps/${app}/dist/main.js is missing: run "turbo run build" first (the image task depends on it)`);
}
if (!offline && !(await reachable('dl-cdn.alpinelinux.org')))
  skip('the Alpine package mirror dl-cdn.alpinelinux.org is unreachable (apk needs it)');

const exists = async (ref) => (await sh('podman', ['image', 'exists', ref])).code === 0;

// The runtime base: given, or localhost/homelab/runtime-base:<root version>, built here when missing.
const base = buildArgs.get('RUNTIME_BASE') ?? `${repo}/runtime-base:${rootVersion}`;
buildArgs.set('RUNTIME_BASE', base);
if (!(await exists(base))) {
  const alpine = buildArgs.get('ALPINE_IMAGE') ?? argDefault('ALPINE_IMAGE');
  const registry = registryOf(alpine);
  if (!(await exists(alpine)) && (registry === undefined || !(await reachable(registry)))) {
    skip(`the base image ${alpine} is not local and its registry ${registry ?? '(local only)'} is unreachable`);
  }
  // Several image tasks run at once: one builds the base, the others wait for it.
  const lock = join(tmpdir(), 'homelab-runtime-base.lock');
  for (let waited = 0; ; waited += 1) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 30 minutes is left over from a killed build.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 30 * 60_000) rmdirSync(lock);
      if (waited > 1200) fail(`${lock} held for 10 minutes; remove it if no build is running`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (!(await exists(base))) {
      const baseArgs = [
        ['ALPINE_IMAGE', alpine],
        ['PACKAGES', buildArgs.get('PACKAGES') ?? 'apk'],
      ].flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
      const built = await sh('podman', [
        'build',
        '--format',
        'docker',
        ...network,
        ...baseArgs,
        '-f',
        join(root, 'containerfiles/runtime-base.Containerfile'),
        '-t',
        base,
        join(root, 'containerfiles'),
      ]);
      if (built.code !== 0) fail(`building the runtime base ${base} failed:\n${built.stderr.slice(-4000)}`);
      process.stdout.write(`image runtime-base: built ${base}\n`);
    }
  } finally {
    rmdirSync(lock);
  }
}

const tags = [`${repo}/${image}:${version}`, `${repo}/${image}:${version}-${commit}`];
const args = [
  'build',
  '--format',
  'docker', // HEALTHCHECK exists only in the docker image format
  ...network,
  '-f',
  containerfile,
  '--ignorefile',
  join(root, 'containerfiles/image.ignore'),
  ...[...buildArgs].flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
  '--label',
  `org.opencontainers.image.version=${version}`,
  '--label',
  `org.opencontainers.image.revision=${commit}`,
  ...tags.flatMap((t) => ['-t', t]),
  root,
];
const built = await sh('podman', args);
if (built.code !== 0) fail(`podman build failed:\n${built.stderr.slice(-4000)}`);
const size = Number((await sh('podman', ['image', 'inspect', '--format', '{{.Size}}', tags[1]])).stdout.trim());
process.stdout.write(`image ${image}: built ${tags.join(' ')} (${(size / 1e6).toFixed(1)} MB)\n`);
