import { spawnSync } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';
import {
  dependencyClosure,
  fastifyTlsOnDemand,
  humanSignalsByNameOnly,
  lazyBuiltinsOf,
  pinoWorkersOnDemand,
  prettyPrinterNotBundled,
  promClientLite,
} from './bundle-plugins.js';

/**
 * The one build recipe of every app: src/main.ts bundled with all its dependencies into one
 * CommonJS file, dist/main.cjs (the payload), started by dist/main.js, a small launcher
 * (app-launcher.cjs) that compiles the payload with V8's code cache dist/main.cjs.<key>.cache, which
 * the build writes last by running the app (`--help`) with the images' node settings and without. Images copy
 * dist/ whole and write the cache again with their own node (containerfiles/README.md). Only
 * pino-pretty, a developer's TTY printer, is left out of the payload: see bundle-plugins.ts.
 */
export function appBuildConfig(extraEntries: Record<string, string> = {}) {
  return defineConfig({
    entry: { main: 'src/main.ts', ...extraEntries },
    // CommonJS, not ESM: node 20 has no compile cache for ES modules (module.enableCompileCache is
    // node 22), while a script compiled by vm.Script takes V8's code cache.
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    platform: 'node',
    target: 'node20',
    outDir: 'dist',
    clean: true,
    bundle: true,
    splitting: false,
    sourcemap: false,
    // Whitespace and syntax only: about 3 MiB less resident memory per sidecar (V8 keeps the whole
    // source text), while function and class names stay (pino logs an error's class as `type`).
    // packages/core/bench/sidecars.bench.ts builds its baselines the same way.
    minify: false,
    // bundle-plugins.ts: the lean prom-client, execa's builtins loaded with execa, no unused signal
    // table, fastify's https and http2 only if a server asks for them, pino's worker threads only if
    // a destination or transport asks for them, no pretty printer.
    esbuildPlugins: [
      promClientLite,
      lazyBuiltinsOf(dependencyClosure('execa')),
      humanSignalsByNameOnly,
      fastifyTlsOnDemand,
      pinoWorkersOnDemand,
      prettyPrinterNotBundled,
    ],
    esbuildOptions(options) {
      options.minifyWhitespace = true;
      options.minifySyntax = true;
      // The sources are ES modules: `import.meta.url` is the payload's URL, and an `import()` of
      // something outside the bundle (labctl's node:v8) becomes a require (a script compiled by
      // vm.Script has no loader for import()).
      options.define = { ...options.define, 'import.meta.url': '__homelabImportMetaUrl' };
      options.supported = { ...options.supported, 'dynamic-import': false };
    },
    noExternal: [/.*/],
    // Builtins keep their `node:` prefix, so bundle-plugins.ts sees every builtin import.
    removeNodeProtocol: false,
    silent: true,
    // Strict like the ES modules it is made of (bundled CommonJS dependencies ran strict before too).
    banner: { js: '"use strict";var __homelabImportMetaUrl=require("node:url").pathToFileURL(__filename).href;' },
    async onSuccess() {
      for (const name of ['main', ...Object.keys(extraEntries)]) await writeLauncher(name);
    },
  });
}

const launcherSource = fileURLToPath(new URL('./app-launcher.cjs', import.meta.url));
const runtimeBase = fileURLToPath(new URL('./containerfiles/runtime-base.Containerfile', import.meta.url));

/**
 * dist/<name>.js: the launcher of dist/<name>.cjs (app-launcher.cjs with a shebang, mode 0755), and
 * dist/package.json so node reads it as CommonJS; then the code cache, checked to be taken.
 */
async function writeLauncher(name: string) {
  const payload = `dist/${name}.cjs`;
  // esbuild keeps a source file's shebang; the payload is no script of its own (a shebang there
  // would be a syntax error inside the module wrapper).
  const text = (await readFile(payload, 'latin1')).replace(/^(#!.*\n)+/, '');
  await writeFile(payload, wrapPayload(text), 'latin1');
  const file = `dist/${name}.js`;
  await writeFile(file, `#!/usr/bin/env node\n${await readFile(launcherSource, 'utf8')}`);
  await chmod(file, 0o755);
  await writeFile('dist/package.json', '{ "type": "commonjs" }\n');
  await writeCodeCache(file);
}

/**
 * The payload's text as node wraps a CommonJS module (node:module's `wrap`): the launcher compiles
 * the file as it is, so V8 keeps that one string and no wrapped copy is made at each start.
 */
export function wrapPayload(text: string): string {
  return `(function (exports, require, module, __filename, __dirname) { ${text}\n});`;
}

/** The node settings of the images (the ENV line of the runtime base): V8 refuses a cache made with other flags. */
export async function imageNodeEnv(): Promise<Record<string, string>> {
  const base = await readFile(runtimeBase, 'utf8');
  return Object.fromEntries([...base.matchAll(/\b(NODE_ENV|NODE_OPTIONS)=(\S+)/g)].map((m) => [m[1] as string, m[2] as string]));
}

/**
 * Runs the app to write its code caches (`--help`: every module's top level), one with the images'
 * node settings (the sidecars) and one without NODE_OPTIONS (what sshd starts: sftp-config's rsync
 * gate, git-shell), then checks V8 takes each.
 */
async function writeCodeCache(launcher: string) {
  const { NODE_OPTIONS: _, ...plain } = process.env;
  for (const env of [{ ...process.env, ...(await imageNodeEnv()) }, plain]) {
    const write = spawnSync(process.execPath, [launcher, '--help'], { env: { ...env, HOMELAB_CODE_CACHE: 'write' }, encoding: 'utf8' });
    if (write.status !== 0) throw new Error(`${launcher} --help (writing the code cache) exited ${write.status}: ${write.stderr}`);
    const check = spawnSync(process.execPath, [launcher, '--help'], { env: { ...env, HOMELAB_CODE_CACHE: 'report' }, encoding: 'utf8' });
    if (!/^homelab code cache: accepted /m.test(check.stderr))
      throw new Error(`${launcher}: the new code cache is not used (NODE_OPTIONS=${env.NODE_OPTIONS ?? ''}): ${check.stderr}`);
  }
}
