import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { makeTempDirSync, repoRoot, useCleanup } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { imageNodeEnv, wrapPayload } from '../tsup.app.js';

// dist/main.js is a launcher (app-launcher.cjs) that compiles dist/main.cjs with V8's code cache
// dist/main.cjs.<key>.cache (one per node version and options), written by the build (tsup.app.ts).
// HOMELAB_CODE_CACHE=report makes it say on stderr what it did with the cache and which file it
// looked for: accepted, rejected (by V8), stale, corrupt, missing, off.
useCleanup('all');

const imageEnv = await imageNodeEnv();
const apps = readdirSync(join(repoRoot, 'apps')).filter((app) => existsSync(join(repoRoot, 'apps', app, 'dist', 'main.js')));

function run(launcher: string, args: string[], env: Record<string, string | undefined>) {
  const r = spawnSync(process.execPath, [launcher, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  const report = /^homelab code cache: (\w+) \((.*)\)$/m.exec(r.stderr);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, cache: report?.[1], cacheFile: report?.[2] ?? '' };
}

const help = (dir: string, env: Record<string, string | undefined> = {}) =>
  run(join(dir, 'main.js'), ['--help'], { ...imageEnv, HOMELAB_CODE_CACHE: 'report', ...env });
const withoutCache = (dir: string) => run(join(dir, 'main.js'), ['--help'], { ...imageEnv, HOMELAB_CODE_CACHE: 'off' });

/** A copy of rcon-bridge's dist/ (mtimes kept, as a build leaves them), and its cache for the images' settings. */
function distCopy(): { dir: string; cacheFile: string } {
  const dir = makeTempDirSync('code-cache-');
  const dist = join(repoRoot, 'apps', 'rcon-bridge', 'dist');
  for (const file of readdirSync(dist)) {
    copyFileSync(join(dist, file), join(dir, file));
    const { atime, mtime } = statSync(join(dist, file));
    utimesSync(join(dir, file), atime, mtime);
  }
  const { cache, cacheFile } = help(dir);
  expect(cache).toBe('accepted');
  return { dir, cacheFile };
}

describe('every app bundle: launcher, payload and code cache', () => {
  it.each(apps)(
    '%s: V8 takes the code caches the build wrote (with the images node settings and without), and the output is the same without them',
    (app) => {
      const dist = join(repoRoot, 'apps', app, 'dist');
      const withCache = help(dist);
      expect(withCache.cache).toBe('accepted');
      // Without NODE_OPTIONS (what sshd starts: the rsync gate, git-shell): another cache, also built.
      const plain = help(dist, { NODE_OPTIONS: undefined });
      expect(plain.cache).toBe('accepted');
      expect(plain.cacheFile).not.toBe(withCache.cacheFile);
      const without = withoutCache(dist);
      expect(without.cache).toBeUndefined();
      expect(withCache.stdout).toBe(without.stdout);
      expect(plain.stdout).toBe(without.stdout);
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
    const { dir, cacheFile } = distCopy();
    const cache = readFileSync(cacheFile);
    const at = cache.indexOf(10) + 1 + Math.floor((cache.length - cache.indexOf(10)) / 100);
    cache[at] = (cache[at] as number) ^ 0x5a;
    writeFileSync(cacheFile, cache);
    expect(help(dir)).toMatchObject({ cache: 'corrupt', status: 0, stdout: reference });
  });

  it('truncated, empty or not a cache file at all: not used, same output', () => {
    const { dir, cacheFile } = distCopy();
    const cache = readFileSync(cacheFile);
    for (const [content, state] of [
      [cache.subarray(0, cache.length - 1000), 'corrupt'],
      [cache.subarray(0, cache.indexOf(10) + 1), 'corrupt'],
      [Buffer.alloc(0), 'stale'],
      [Buffer.from('garbage\n'), 'stale'],
    ] as const) {
      writeFileSync(cacheFile, content);
      expect(help(dir)).toMatchObject({ cache: state, status: 0, stdout: reference });
    }
  });

  it('missing, or unreadable (a folder in its place): compiled from source, same output', () => {
    const { dir, cacheFile } = distCopy();
    rmSync(cacheFile);
    expect(help(dir)).toMatchObject({ cache: 'missing', status: 0, stdout: reference });
    mkdirSync(cacheFile);
    expect(help(dir)).toMatchObject({ cache: 'missing', status: 0, stdout: reference });
  });

  it('made for another payload of the same length: not used, the edited payload runs', () => {
    const { dir } = distCopy();
    const payload = readFileSync(join(dir, 'main.cjs'), 'latin1');
    const edited = payload.replace('shared safely over unix sockets', 'shared SAFELY over unix sockets');
    expect(edited.length).toBe(payload.length);
    writeFileSync(join(dir, 'main.cjs'), edited, 'latin1');
    const r = help(dir);
    expect(r).toMatchObject({ cache: 'stale', status: 0 });
    expect(r.stdout).toBe(reference.replace('shared safely over unix sockets', 'shared SAFELY over unix sockets'));
  });

  it('the same payload copied with a new mtime (an image COPY, a restored build): still taken', () => {
    const { dir } = distCopy();
    utimesSync(join(dir, 'main.cjs'), new Date(), new Date(Date.now() - 3_600_000));
    expect(help(dir)).toMatchObject({ cache: 'accepted', status: 0, stdout: reference });
  });

  it('made with other V8 flags: refused by V8 (cachedDataRejected), same output; other options look for their own file', () => {
    const { dir, cacheFile } = distCopy();
    const plain = help(dir, { NODE_OPTIONS: undefined });
    expect(plain.cache).toBe('accepted');
    // The images' cache (made with --max-semi-space-size=1) under the name of the plain one.
    copyFileSync(cacheFile, plain.cacheFile);
    expect(help(dir, { NODE_OPTIONS: undefined })).toMatchObject({ cache: 'rejected', status: 0, stdout: reference });
    const other = help(dir, { NODE_OPTIONS: '--max-semi-space-size=2' });
    expect(other).toMatchObject({ cache: 'missing', status: 0, stdout: reference });
    expect([cacheFile, plain.cacheFile]).not.toContain(other.cacheFile);
  });

  it('a start never writes the cache; HOMELAB_CODE_CACHE=write writes it at exit, and says so when it cannot', () => {
    const { dir, cacheFile } = distCopy();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.cache'))) rmSync(join(dir, file));
    expect(help(dir)).toMatchObject({ cache: 'missing', status: 0 });
    expect(readdirSync(dir).sort()).toEqual(['main.cjs', 'main.js', 'package.json']);

    const write = run(join(dir, 'main.js'), ['--help'], { ...imageEnv, HOMELAB_CODE_CACHE: 'write' });
    expect(write).toMatchObject({ status: 0, stdout: reference });
    expect(readdirSync(dir).sort()).toEqual([basename(cacheFile), 'main.cjs', 'main.js', 'package.json'].sort());
    expect(help(dir)).toMatchObject({ cache: 'accepted', status: 0, stdout: reference });

    rmSync(cacheFile);
    mkdirSync(cacheFile);
    const refused = run(join(dir, 'main.js'), ['--help'], { ...imageEnv, HOMELAB_CODE_CACHE: 'write' });
    expect(refused.status).toBe(1);
    expect(refused.stdout).toBe(reference);
    expect(refused.stderr).toContain(`homelab code cache: cannot write ${cacheFile}: `);
    expect(readdirSync(dir).sort()).toEqual([basename(cacheFile), 'main.cjs', 'main.js', 'package.json'].sort());
  });
});

describe('the launcher runs its payload as node runs a CommonJS main module', () => {
  it('argv (process.argv[1] is the launcher), __filename, strict mode, exit code and a thrown error', () => {
    const dir = makeTempDirSync('code-cache-launcher-');
    copyFileSync(join(repoRoot, 'apps', 'rcon-bridge', 'dist', 'main.js'), join(dir, 'main.js'));
    copyFileSync(join(repoRoot, 'apps', 'rcon-bridge', 'dist', 'package.json'), join(dir, 'package.json'));
    writeFileSync(
      join(dir, 'main.cjs'),
      wrapPayload(
        [
          '"use strict";',
          'const strict = (function () { return this === undefined; })();',
          'console.log(JSON.stringify({ argv: process.argv.slice(1), filename: __filename, strict, main: require.main === process.mainModule }));',
          'if (process.argv[2] === "throw") throw new Error("boom");',
          'process.exitCode = 3;',
        ].join('\n'),
      ),
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
