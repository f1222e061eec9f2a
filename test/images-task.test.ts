import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PodmanSandbox, repoRoot } from './images/podman-sandbox.js';

// The `image` task (scripts/images/build-image.mjs) where images cannot be built: one clear line, exit 0.
// Its building path is covered by test/images-smoke.test.ts, which builds every image through it.

const script = join(repoRoot, 'scripts/images/build-image.mjs');

function runTask(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { env, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

describe('image task', () => {
  it('prints one line and exits 0 when podman is not installed', async () => {
    // A PATH with git and node but no podman.
    const bin = mkdtempSync(join(tmpdir(), 'homelab-nopodman-'));
    cleanup.push(() => rmSync(bin, { recursive: true, force: true }));
    for (const tool of ['git', 'sh']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    const result = await runTask(['mc-backup'], { PATH: bin, HOME: bin });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe('image mc-backup: skipped, podman is not installed\n');
  });

  it('prints one line and exits 0 when the base image is neither local nor pullable', async () => {
    const sandbox = await PodmanSandbox.create();
    cleanup.push(() => sandbox.close());
    const result = await runTask(['git-web'], {
      ...process.env,
      ...sandbox.env,
      PATH: `${sandbox.bin}:${process.env.PATH ?? ''}`,
      IMAGE_REPO: 'localhost/homelab-test',
      // A registry that cannot resolve; preinstalled tools so the Alpine mirror is not needed either.
      IMAGE_BUILD_ARGS: 'ALPINE_IMAGE=registry.invalid/alpine:3.21.3 PACKAGES=preinstalled',
      IMAGE_BUILD_NETWORK: 'none',
    } as Record<string, string>);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      'image git-web: skipped, the base image registry.invalid/alpine:3.21.3 is not local and its registry registry.invalid is unreachable\n',
    );
    const images = await sandbox.podman(['images', '--quiet']);
    expect(images.stdout.trim()).toBe('');
  });

  it('refuses an unknown image and a missing Containerfile with exit 2', async () => {
    expect((await runTask([], { PATH: process.env.PATH ?? '' })).code).toBe(2);
    const missing = await runTask(['no-such-image'], { PATH: process.env.PATH ?? '' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no-such-image.Containerfile does not exist');
  });
});
