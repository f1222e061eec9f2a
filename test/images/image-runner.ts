import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { PodmanSandbox } from './podman-sandbox.js';
import { repoRoot } from './podman-sandbox.js';

/** Test image names: never the real `localhost/homelab/...` ones. */
export const TEST_REPO = 'localhost/homelab-test';

/** The flags every container of the smoke test runs with (as the compose files do). */
export const HARDENED = ['--network', 'none', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];

export interface BuildResult {
  tag: string;
  stdout: string;
}

/** The variants that leave out what only a download gives (no internet here). */
const OFFLINE_ARGS: Record<string, string> = { 'mc-map': ' RENDERER=none', 'zfs-web': ' FILESTASH=none' };

/**
 * Builds one image through the `image` task itself (scripts/images/build-image.mjs) with the sandboxed
 * podman first on PATH and the offline build args: the substitute base, preinstalled tools, the
 * prebuilt bundle, no network. `variant` replaces the offline variant's args (e.g. a download from a
 * server on this machine's loopback, with `network: 'host'`).
 */
export function buildImage(
  sandbox: PodmanSandbox,
  image: string,
  alpineRef: string,
  variant: { args?: string; network?: string } = {},
): Promise<BuildResult> {
  const env = {
    ...process.env,
    ...sandbox.env,
    PATH: `${sandbox.bin}:${process.env.PATH ?? ''}`,
    IMAGE_REPO: TEST_REPO,
    IMAGE_BUILD_ARGS: `ALPINE_IMAGE=${alpineRef} PACKAGES=preinstalled BUNDLE=prebuilt${variant.args ? ` ${variant.args}` : (OFFLINE_ARGS[image] ?? '')}`,
    IMAGE_BUILD_NETWORK: variant.network ?? 'none',
  };
  return new Promise((resolve, reject) => {
    execFile(
      'node',
      [join(repoRoot, 'scripts/images/build-image.mjs'), image],
      { env, timeout: 300_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`image task for ${image} failed (${error.code}):\n${stderr}\n${stdout}`));
        const tag = /built (\S+)/.exec(
          stdout
            .split('\n')
            .filter((l) => l.startsWith(`image ${image}:`))
            .join('\n'),
        )?.[1];
        if (!tag) return reject(new Error(`image task for ${image} printed no tag:\n${stdout}\n${stderr}`));
        resolve({ tag, stdout });
      },
    );
  });
}

export interface RunOptions {
  name: string;
  env?: Record<string, string>;
  /** `-v` values (named volumes or binds). */
  volumes?: string[];
  entrypoint?: string;
  args?: string[];
  extra?: string[];
}

export function runArgs(tag: string, o: RunOptions): string[] {
  return [
    ...HARDENED,
    // Without systemd there are no healthcheck timers: the test runs `podman healthcheck run` itself.
    '--health-interval',
    'disable',
    '--name',
    o.name,
    ...Object.entries(o.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    ...(o.volumes ?? []).flatMap((v) => ['-v', v]),
    ...(o.entrypoint ? ['--entrypoint', o.entrypoint] : []),
    ...(o.extra ?? []),
    tag,
    ...(o.args ?? []),
  ];
}

/** Starts a detached container with the hardened flags. */
export async function startContainer(sandbox: PodmanSandbox, tag: string, o: RunOptions): Promise<void> {
  await sandbox.podman(['run', '-d', ...runArgs(tag, o)]);
}

/** Runs a container to completion (`--rm`), returning its exit code and output. */
export async function runOnce(sandbox: PodmanSandbox, tag: string, o: RunOptions, input?: string) {
  return sandbox.podman(['run', '--rm', ...(input !== undefined ? ['-i'] : []), ...runArgs(tag, o)], {
    check: false,
    input,
    timeoutMs: 180_000,
  });
}

/** Polls `podman healthcheck run` until it passes; fails with the container's logs. */
export async function waitHealthy(sandbox: PodmanSandbox, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const result = await sandbox.podman(['healthcheck', 'run', name], { check: false });
    if (result.code === 0) return;
    last = `${result.stdout}${result.stderr}`;
    const state = await sandbox.podman(['inspect', '--format', '{{.State.Status}}', name], { check: false });
    if (Date.now() > deadline || state.stdout.trim() === 'exited') {
      const logs = await sandbox.podman(['logs', name], { check: false });
      throw new Error(
        `${name} did not become healthy (state ${state.stdout.trim()}): ${last}\n--- logs ---\n${logs.stdout.slice(-3000)}${logs.stderr.slice(-3000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The users of every process in the container, from `podman top`. podman lists the container's
 * PIDs and then reads each one's /proc entry, so a process that exits in between (a health probe's
 * exec, a report run) fails the whole call with "no such process": that race alone is retried.
 */
export async function processUsers(sandbox: PodmanSandbox, name: string): Promise<{ user: string; args: string }[]> {
  const args = ['top', name, 'user', 'args'];
  let result = await sandbox.podman(args, { check: false });
  for (let attempt = 1; result.code !== 0 && /no such process/.test(result.stderr) && attempt < 5; attempt++) {
    await new Promise((r) => setTimeout(r, 200));
    result = await sandbox.podman(args, { check: false });
  }
  if (result.code !== 0) throw new Error(`podman ${args.join(' ')} failed (exit ${result.code}): ${result.stderr}`);
  const out = result.stdout.trim().split('\n').slice(1);
  return out.map((line) => {
    const [user = '', ...rest] = line.trim().split(/\s+/);
    return { user, args: rest.join(' ') };
  });
}

/** Asserts a healthy container whose every process runs as `user`, then removes it. */
export async function expectHealthyAs(sandbox: PodmanSandbox, name: string, user: string): Promise<void> {
  await waitHealthy(sandbox, name);
  const users = await processUsers(sandbox, name);
  expect(users.length).toBeGreaterThan(0);
  for (const p of users) expect(p.user, `${name}: ${p.args}`).toBe(user);
  const id = await sandbox.podman(['exec', name, 'id', '-u']);
  if (user !== 'root') expect(id.stdout.trim()).not.toBe('0');
  const health = await sandbox.podman(['inspect', '--format', '{{.State.Health.Status}}', name]);
  expect(health.stdout.trim()).toBe('healthy');
}

export async function removeContainer(sandbox: PodmanSandbox, name: string): Promise<void> {
  await sandbox.podman(['rm', '--force', '--time', '5', name], { check: false });
}

export const sh = (cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) =>
  new Promise<string>((resolve, reject) => {
    execFile(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, encoding: 'utf8' }, (error, stdout, stderr) =>
      error ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr}`)) : resolve(stdout),
    );
  });
