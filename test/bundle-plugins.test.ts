import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { fastifyTlsOnDemand, importedNames, pinoWorkersOnDemand } from '../bundle-plugins.js';

const repoRoot = join(import.meta.dirname, '..');

describe('importedNames', () => {
  it.each([
    ["import {serialize} from 'node:v8'", 'node:v8', ['serialize']],
    ['import{constants}from"node:os"', 'node:os', ['constants']],
    [
      "import fs from 'node:fs';\nimport {createReadStream, createWriteStream as cws} from 'node:fs'",
      'node:fs',
      ['createReadStream', 'createWriteStream', 'default'],
    ],
    ["import childProcess, {spawn} from 'node:child_process'", 'node:child_process', ['default', 'spawn']],
    ["import {once} from 'node:events'", 'node:fs', undefined],
  ])('%s', (source, specifier, expected) => {
    const names = importedNames(source, specifier);
    expect(names && [...names].sort()).toEqual(expected);
  });

  it('gives up on a namespace import (the builtin stays a plain import)', () => {
    expect(importedNames("import * as v8 from 'node:v8'", 'node:v8')).toBeUndefined();
  });
});

// The built payload (turbo build ran before the tests; dist/main.js is its launcher, app-launcher.cjs):
// what an idle sidecar must not load at start.
describe('an app bundle', () => {
  const payload = join(repoRoot, 'apps/rcon-bridge/dist/main.cjs');
  const bundle = readFileSync(payload, 'utf8');

  it('loads no builtin at start that only execa (v8, tty, timers/promises) or a pino transport (worker_threads) uses', () => {
    // Every module of the bundle is evaluated by `--help` as by `run`; the builtins node loaded are
    // listed at exit by a preloaded script.
    const dir = mkdtempSync(join(tmpdir(), 'bundle-builtins-'));
    try {
      const preload = join(dir, 'loaded.cjs');
      writeFileSync(
        preload,
        "process.on('exit', () => require('node:fs').writeSync(2, 'LOADED ' + JSON.stringify(process.moduleLoadList) + '\\n'));",
      );
      const r = spawnSync(process.execPath, ['--require', preload, join(repoRoot, 'apps/rcon-bridge/dist/main.js'), '--help'], {
        encoding: 'utf8',
      });
      expect(r.status).toBe(0);
      const loaded: string[] = JSON.parse(/^LOADED (.*)$/m.exec(r.stderr)?.[1] ?? '[]');
      expect(loaded).toContain('NativeModule vm');
      for (const lazy of ['v8', 'tty', 'timers/promises', 'worker_threads']) expect(loaded).not.toContain(`NativeModule ${lazy}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(bundle).toContain('require("node:v8")');
  });

  it("has no human-signals number table (its build loop starts V8's optimizing compiler)", () => {
    expect(bundle).not.toContain('getSignalsByNumber');
    expect(bundle).toContain('getSignalsByName');
  });
});

/** Bundles a script (its body runs in an async function) through `plugins` as the apps are, and runs it. */
async function runBundled(plugins: Plugin[], body: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-plugin-'));
  try {
    await build({
      stdin: {
        contents: `(async () => {${body}})().catch((error) => { console.error(error); process.exit(1); });`,
        resolveDir: repoRoot,
      },
      outfile: join(dir, 'script.cjs'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'silent',
      plugins,
    });
    const r = spawnSync(process.execPath, [join(dir, 'script.cjs')], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// fastify bundled through fastifyTlsOnDemand: a plain HTTP server never loads https, http2 or tls;
// a server made with the http2 option still gets node:http2 and serves.
describe('fastify through fastifyTlsOnDemand', () => {
  const serve = (body: string) => runBundled([fastifyTlsOnDemand], body);
  const loadedTls = 'process.moduleLoadList.filter((m) => /^NativeModule (https|http2|tls)$/.test(m))';

  it('serves plain HTTP without loading https, http2 or tls', async () => {
    const r = await serve(`
      const Fastify = require('fastify');
      const { request } = require('node:http');
      const app = Fastify();
      app.get('/', async () => 'plain');
      await app.listen({ port: 0, host: '127.0.0.1' });
      const body = await new Promise((resolve, reject) => {
        request({ port: app.server.address().port, host: '127.0.0.1', path: '/' }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c)).on('end', () => resolve(text));
        }).on('error', reject).end();
      });
      await app.close();
      console.log(JSON.stringify({ body, loaded: ${loadedTls} }));
    `);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ body: 'plain', loaded: [] });
  });

  it('still makes an HTTP/2 server when asked (node:http2 loaded on demand)', async () => {
    const r = await serve(`
      const Fastify = require('fastify');
      const app = Fastify({ http2: true });
      const before = ${loadedTls};
      app.get('/', async () => 'over h2');
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { connect } = require('node:http2');
      const client = connect('http://127.0.0.1:' + app.server.address().port);
      const body = await new Promise((resolve, reject) => {
        const req = client.request({ ':path': '/' });
        let text = '';
        req.on('data', (c) => (text += c)).on('end', () => resolve(text)).on('error', reject);
      });
      client.close();
      await app.close();
      console.log(JSON.stringify({ body, before }));
    `);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { body: string; before: string[] };
    expect(result.body).toBe('over h2');
    // Loaded by fastify's http2.createServer (with tls, which http2 requires), before this script's own require.
    expect(result.before).toContain('NativeModule http2');
  });
});

describe('every app bundle', () => {
  const apps = readdirSync(join(repoRoot, 'apps')).filter((app) => existsSync(join(repoRoot, 'apps', app, 'dist', 'main.cjs')));

  it.each(apps)('%s: one-byte source text (a character above U+00FF makes V8 keep all of it at two bytes each)', (app) => {
    const text = readFileSync(join(repoRoot, 'apps', app, 'dist', 'main.cjs'), 'utf8');
    const wide = [...text.matchAll(/[^\u0000-\u00ff]/g)].map((m) => JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + 10)));
    expect(wide).toEqual([]);
  });

  it.each(apps)('%s: no import() and no import.meta left in the payload (vm.Script has no module loader)', (app) => {
    const text = readFileSync(join(repoRoot, 'apps', app, 'dist', 'main.cjs'), 'utf8');
    expect(text).not.toMatch(/(?<![\w$.])import\s*\(/);
    expect(text).not.toContain('import.meta');
  });
});

// pino bundled through pinoWorkersOnDemand: a synchronous destination (core logger.ts) never loads
// worker_threads; an asynchronous destination and a transport (a worker thread) still work.
describe('pino through pinoWorkersOnDemand', () => {
  const log = (body: string) => runBundled([pinoWorkersOnDemand], body);
  const loadedWorkers = "process.moduleLoadList.includes('NativeModule worker_threads')";

  it('logs to a synchronous destination without loading worker_threads', async () => {
    const r = await log(`
        const pino = require('pino');
        const logger = pino({ base: undefined }, pino.destination({ sync: true }));
        logger.info({ n: 1 }, 'written');
        console.error(JSON.stringify({ workers: ${loadedWorkers} }));
    `);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ msg: 'written', n: 1 });
    expect(JSON.parse(r.stderr)).toEqual({ workers: false });
  });

  it('still flushes an asynchronous destination at exit (worker_threads read on demand)', async () => {
    const r = await log(`
        const pino = require('pino');
        const logger = pino({ base: undefined }, pino.destination({ sync: false }));
        console.error(JSON.stringify({ workers: ${loadedWorkers} }));
        logger.info('flushed at exit');
    `);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ msg: 'flushed at exit' });
    // Read when the destination was made (isMainThread), not when pino loaded.
    expect(JSON.parse(r.stderr)).toEqual({ workers: true });
  });

  it('still runs a transport in a worker thread (thread-stream required on demand)', () => {
    const target = join(repoRoot, 'node_modules/pino/file.js');
    // A bundle has no thread-stream/lib/worker.js next to it: pino's documented override names it.
    const worker = join(repoRoot, 'node_modules/thread-stream/lib/worker.js');
    const dir = mkdtempSync(join(tmpdir(), 'pino-transport-'));
    const out = join(dir, 'out.log');
    return log(`
        globalThis.__bundlerPathsOverrides = { 'thread-stream-worker': ${JSON.stringify(worker)} };
        const pino = require('pino');
        const before = ${loadedWorkers};
        const transport = pino.transport({ target: ${JSON.stringify(target)}, options: { destination: ${JSON.stringify(out)} } });
        pino({ base: undefined }, transport).info('through a worker');
        console.log(JSON.stringify({ before, after: ${loadedWorkers} }));
    `)
      .then((r) => {
        expect(r.status, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toEqual({ before: false, after: true });
        // The worker wrote it; pino flushes a transport when the process exits.
        expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ msg: 'through a worker' });
      })
      .finally(() => rmSync(dir, { recursive: true, force: true }));
  });
});
