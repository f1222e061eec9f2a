import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDirSync, repoRoot, useCleanup } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { imageNodeEnv } from '../tsup.app.js';

// dist/main.js is a launcher (app-launcher.cjs) that compiles dist/main.cjs with V8's code cache
// dist/main.cjs.cache, written by the build (tsup.app.ts). HOMELAB_CODE_CACHE=report makes it say on
// stderr what it did with the cache: accepted, rejected (by V8), stale, corrupt, missing, off.
useCleanup('all');

const imageEnv = await imageNodeEnv();
const apps = readdirSync(join(repoRoot, 'apps')).filter((app) => existsSync(join(repoRoot, 'apps', app, 'dist', 'main.js')));

function run(launcher: string, args: string[], env: Record<string, string | undefined>) {
  const r = spawnSync(process.execPath, [launcher, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  const cache = /^homelab code cache: (\w+) /m.exec(r.stderr)?.[1];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, cache };
}

/** A copy of rcon-bridge's dist/ (mtimes kept, as a build leaves them). */
function distCopy(): string {
  const dir = makeTempDirSync('code-cache-');
  const dist = join(repoRoot, 'apps', 'rcon-bridge', 'dist');
  for (const file of ['main.js', 'main.cjs', 'main.cjs.cache', 'package.json']) {
    copyFileSync(join(dist, file), join(dir, file));
    const { atime, mtime } = statSync(join(dist, file));
    utimesSync(join(dir, file), atime, mtime);
  }
  return dir;
}

const help = (dir: string, env: Record<string, string | undefined> = {}) =>
  run(join(dir, 'main.js'), ['--help'], { ...imageEnv, HOMELAB_CODE_CACHE: 'report', ...env });
const withoutCache = (dir: string) => run(join(dir, 'main.js'), ['--help'], { ...imageEnv, HOMELAB_CODE_CACHE: 'off' });

describe('every app bundle: launcher, payload and code cache', () => {
  it.each(apps)(
    '%s: V8 takes the code cache the build wrote (with the images node settings), and the output is the same without it',
    (app) => {
      const dist = join(repoRoot, 'apps', app, 'dist');
      const withCache = help(dist);
      expect(withCache.cache).toBe('accepted');
      const without = withoutCache(dist);
      expect(without.cache).toBeUndefined();
      expect(withCache.stdout).toBe(without.stdout);
      expect(withCache.status).toBe(without.status);
      expect(withCache.stdout).toContain('Usage:');
      // The launcher is what images and tests start: a shebang, executable.
      expect(readFileSync(join(dist, 'main.js'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
      expect(statSync(join(dist, 'main.js')).mode & 0o777).toBe(0o755);
    },
  );
});

describe('a code cache that does not fit is never used and never fails a start', () => {
  const reference = withoutCache(join(repoRoot, 'apps', 'rcon-bridge', 'dist')).stdout;

  it('corrupt (one byte of V8 data flipped, which V8 itself would crash on): not used, same output', () => {
    const dir = distCopy();
    const cache = readFileSync(join(dir, 'main.cjs.cache'));
    const at = cache.indexOf(10) + 1 + Math.floor((cache.length - cache.indexOf(10)) / 100);
    cache[at] = (cache[at] as number) ^ 0x5a;
    writeFileSync(join(dir, 'main.cjs.cache'), cache);
    const r = help(dir);
    expect(r).toMatchObject({ cache: 'corrupt', status: 0, stdout: reference });
  });

  it('truncated, empty or not a cache file at all: not used, same output', () => {
    const dir = distCopy();
    const cache = readFileSync(join(dir, 'main.cjs.cache'));
    for (const [content, state] of [
      [cache.subarray(0, cache.length - 1000), 'corrupt'],
      [cache.subarray(0, cache.indexOf(10) + 1), 'corrupt'],
      [Buffer.alloc(0), 'stale'],
      [Buffer.from('garbage\n'), 'stale'],
    ] as const) {
      writeFileSync(join(dir, 'main.cjs.cache'), content);
      expect(help(dir)).toMatchObject({ cache: state, status: 0, stdout: reference });
    }
  });

  it('missing, or unreadable (a folder in its place): compiled from source, same output', () => {
    const dir = distCopy();
    rmSync(join(dir, 'main.cjs.cache'));
    expect(help(dir)).toMatchObject({ cache: 'missing', status: 0, stdout: reference });
    mkdirSync(join(dir, 'main.cjs.cache'));
    expect(help(dir)).toMatchObject({ cache: 'missing', status: 0, stdout: reference });
  });

  it('made for another payload of the same length: not used, the edited payload runs', () => {
    const dir = distCopy();
    const payload = readFileSync(join(dir, 'main.cjs'), 'latin1');
    const edited = payload.replace('shared safely over unix sockets', 'shared SAFELY over unix sockets');
    expect(edited.length).toBe(payload.length);
    writeFileSync(join(dir, 'main.cjs'), edited, 'latin1');
    const r = help(dir);
    expect(r).toMatchObject({ cache: 'stale', status: 0 });
    expect(r.stdout).toBe(reference.replace('shared safely over unix sockets', 'shared SAFELY over unix sockets'));
  });

  it('the same payload copied with a new mtime (an image COPY, a restored build): still taken', () => {
    const dir = distCopy();
    utimesSync(join(dir, 'main.cjs'), new Date(), new Date(Date.now() - 3_600_000));
    expect(help(dir)).toMatchObject({ cache: 'accepted', status: 0, stdout: reference });
  });

  it('made with other V8 flags (here: without the images NODE_OPTIONS): V8 rejects it, same output', () => {
    expect(help(distCopy(), { NODE_OPTIONS: '' })).toMatchObject({ cache: 'rejected', status: 0, stdout: reference });
  });

  it('a start never writes the cache; HOMELAB_CODE_CACHE=write writes it at exit, and says so when it cannot', () => {
    const dir = distCopy();
    rmSync(join(dir, 'main.cjs.cache'));
    expect(help(dir)).toMatchObject({ cache: 'missing', status: 0 });
    expect(readdirSync(dir).sort()).toEqual(['main.cjs', 'main.js', 'package.json']);

    const write = run(join(dir, 'main.js'), ['--help'], { ...imageEnv, HOMELAB_CODE_CACHE: 'write' });
    expect(write).toMatchObject({ status: 0, stdout: reference });
    expect(help(dir)).toMatchObject({ cache: 'accepted', status: 0, stdout: reference });

    rmSync(join(dir, 'main.cjs.cache'));
    mkdirSync(join(dir, 'main.cjs.cache'));
    const refused = run(join(dir, 'main.js'), ['--help'], { ...imageEnv, HOMELAB_CODE_CACHE: 'write' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^homelab code cache: cannot write .*main\.cjs\.cache: /m);
    expect(readdirSync(dir).sort()).toEqual(['main.cjs', 'main.cjs.cache', 'main.js', 'package.json']);
  });
});

describe('the launcher runs its payload as node runs a CommonJS main module', () => {
  it('argv (process.argv[1] is the launcher), __filename, strict mode, exit code and a thrown error', () => {
    const dir = makeTempDirSync('code-cache-launcher-');
    copyFileSync(join(repoRoot, 'apps', 'rcon-bridge', 'dist', 'main.js'), join(dir, 'main.js'));
    copyFileSync(join(repoRoot, 'apps', 'rcon-bridge', 'dist', 'package.json'), join(dir, 'package.json'));
    writeFileSync(
      join(dir, 'main.cjs'),
      [
        '"use strict";',
        'const strict = (function () { return this === undefined; })();',
        'console.log(JSON.stringify({ argv: process.argv.slice(1), filename: __filename, strict, main: require.main === process.mainModule }));',
        'if (process.argv[2] === "throw") throw new Error("boom");',
        'process.exitCode = 3;',
      ].join('\n'),
    );
    const r = run(join(dir, 'main.js'), ['a', '--b'], { HOMELAB_CODE_CACHE: 'report' });
    expect(r).toMatchObject({ status: 3, cache: 'missing' });
    expect(JSON.parse(r.stdout)).toEqual({
      argv: [join(dir, 'main.js'), 'a', '--b'],
      filename: join(dir, 'main.cjs'),
      strict: true,
      main: true,
    });
    const thrown = run(join(dir, 'main.js'), ['throw'], {});
    expect(thrown.status).toBe(1);
    expect(thrown.stderr).toContain(`${join(dir, 'main.cjs')}:4`);
    expect(thrown.stderr).toContain('Error: boom');
  });
});
