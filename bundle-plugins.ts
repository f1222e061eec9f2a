import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

// esbuild plugins of the one app bundle recipe (tsup.app.ts). Each keeps something an idle sidecar
// does not need out of its resident memory; packages/core/bench/sidecars.bench.ts measures them.

/** `prom-client` in a bundle is prom-client.lite.mjs: the classes the code uses, without the index's extras. */
export const promClientLite: Plugin = {
  name: 'prom-client-lite',
  setup(build) {
    build.onResolve({ filter: /^prom-client$/ }, () => ({ path: fileURLToPath(new URL('./prom-client.lite.mjs', import.meta.url)) }));
  },
};

/**
 * human-signals (execa's signal names) builds a number -> signal table at load that nothing here
 * reads: a 65 x 31 loop of one small callback, hot enough that V8 starts its optimizing compiler
 * (TurboFan) on the first subprocess and pages in about 3 MiB of its machine code. The table becomes
 * a pure call esbuild drops when unused. Fails the build when the dependency's text changed.
 */
export const humanSignalsByNameOnly: Plugin = {
  name: 'human-signals-by-name-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]human-signals[\\/]build[\\/]src[\\/]main\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const table = 'export const signalsByNumber=getSignalsByNumber();';
      if (!text.includes(table))
        throw new Error(`${args.path}: "${table}" not found; update bundle-plugins.ts for this human-signals version`);
      return { contents: text.replace(table, 'export const signalsByNumber=/* @__PURE__ */getSignalsByNumber();'), loader: 'js' };
    });
  },
};

/**
 * fastify requires `node:https` and `node:http2` when it loads (lib/server.js), for a server made
 * with its `https` or `http2` option; the health server is plain HTTP. In a bare node process the
 * two (and `tls`, which both load) take about 20 ms and 1.7 MiB (docs/architecture.md has what the
 * sidecars gained). In the bundle each becomes an object that requires the builtin on its first
 * property read, so a server made with either option still gets it. Fails the build when the
 * dependency's text changed.
 */
export const fastifyTlsOnDemand: Plugin = {
  name: 'fastify-tls-on-demand',
  setup(build) {
    build.onLoad({ filter: /[\\/]fastify[\\/]lib[\\/]server\.js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      for (const name of ['https', 'http2']) {
        const line = `const ${name} = require('node:${name}')\n`;
        if (!text.includes(line))
          throw new Error(`${args.path}: "${line.trim()}" not found; update bundle-plugins.ts for this fastify version`);
        const onDemand = `let ${name}Module\nconst ${name} = new Proxy({}, { get: (_, key) => (${name}Module ??= require('node:${name}'))[key] })\n`;
        text = text.replace(line, onDemand);
      }
      return { contents: text, loader: 'js' };
    });
  },
};

/**
 * pino requires `worker_threads` when it loads, twice: its tools read `isMainThread` (only for an
 * asynchronous destination, which no sidecar makes: core logger.ts writes synchronously), and its
 * transports require thread-stream (for a transport running in a worker thread, which no sidecar
 * uses). Required in a bare process that already has node's streams, the module takes about 1 ms
 * and 0.4 MiB. In the bundle both become requires on first use, so an asynchronous destination or a
 * transport still gets them. Fails the build when the dependency's text changed.
 */
export const pinoWorkersOnDemand: Plugin = {
  name: 'pino-workers-on-demand',
  setup(build) {
    const rewrite = (file: string, text: string, edits: readonly [string, string][]) => {
      for (const [from, to] of edits) {
        if (text.split(from).length !== 2)
          throw new Error(`${file}: "${from.trim()}" not found once; update bundle-plugins.ts for this pino version`);
        text = text.replace(from, to);
      }
      return text;
    };
    build.onLoad({ filter: /[\\/]pino[\\/]lib[\\/]tools\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (text.split('isMainThread').length !== 3)
        throw new Error(`${args.path}: isMainThread is not declared and read once; update bundle-plugins.ts for this pino version`);
      const contents = rewrite(args.path, text, [
        [
          "const { isMainThread } = require('worker_threads')\n",
          "let workerThreads\nconst isMainThreadNow = () => (workerThreads ??= require('worker_threads')).isMainThread\n",
        ],
        ['if (!opts.sync && isMainThread) {', 'if (!opts.sync && isMainThreadNow()) {'],
      ]);
      return { contents, loader: 'js' };
    });
    build.onLoad({ filter: /[\\/]pino[\\/]lib[\\/]transport\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (text.split('ThreadStream').length !== 3)
        throw new Error(`${args.path}: ThreadStream is not used exactly once; update bundle-plugins.ts for this pino version`);
      const contents = rewrite(args.path, text, [
        ["const ThreadStream = require('thread-stream')\n", ''],
        ['new ThreadStream(', "new (require('thread-stream'))("],
      ]);
      return { contents, loader: 'js' };
    });
  },
};

const builtins = new Set(builtinModules);
const bareBuiltin = (specifier: string) => {
  const bare = specifier.replace(/^node:/, '');
  return builtins.has(bare) ? bare : undefined;
};

/**
 * execa is loaded on the first subprocess (core exec.ts requires it), but esbuild hoists the node
 * builtins its ES modules import (`v8`, `tty`, `string_decoder`, ...) to top-level imports of the
 * bundle, so they load at start. Within execa and its dependencies, each such import becomes a small
 * module that requires the builtin when execa is initialized and exports the names the importer
 * uses (read from its import statements).
 */
export function lazyBuiltinsOf(packages: readonly string[]): Plugin {
  const inside = new RegExp(
    `[\\\\/]node_modules[\\\\/](?:${packages.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})[\\\\/]`,
  );
  const sources = new Map<string, Promise<string>>();
  return {
    name: 'lazy-builtins',
    setup(build) {
      build.onResolve({ filter: /^(node:)?[a-z0-9_/]+$/ }, async (args) => {
        const bare = bareBuiltin(args.path);
        if (!bare || args.kind !== 'import-statement' || !inside.test(args.importer)) return undefined;
        if (!sources.has(args.importer)) sources.set(args.importer, readFile(args.importer, 'utf8'));
        const names = importedNames(await (sources.get(args.importer) as Promise<string>), args.path);
        if (!names) return undefined; // a namespace import or an unreadable form: stays a plain import
        return { path: `${bare}?${[...names].sort().join(',')}`, namespace: 'lazy-builtin' };
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
        const [bare, list = ''] = args.path.split('?');
        const names = list.split(',').filter((n) => n && n !== 'default');
        return {
          contents: [`const m = require('node:${bare}');`, 'export default m;', ...names.map((n) => `export const ${n} = m.${n};`)].join(
            '\n',
          ),
          loader: 'js',
        };
      });
    },
  };
}

/** The names an ES module imports from `specifier` (`default` for a default import), or undefined for a namespace import. */
export function importedNames(source: string, specifier: string): Set<string> | undefined {
  const quoted = specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const statement = new RegExp(`\\bimport\\s*(type\\s+)?([^;'"]*?)\\s*from\\s*['"]${quoted}['"]`, 'g');
  const names = new Set<string>();
  let found = false;
  for (const m of source.matchAll(statement)) {
    if (m[1]) continue;
    found = true;
    let clause = (m[2] ?? '').trim();
    if (clause.includes('*')) return undefined;
    const braces = /\{([^}]*)\}/.exec(clause);
    if (braces) {
      for (const part of (braces[1] ?? '').split(',')) {
        const spec = part.trim();
        if (!spec || spec.startsWith('type ')) continue;
        const name = spec.split(/\s+as\s+/)[0]?.trim();
        if (!name || !/^[A-Za-z_$][\w$]*$/.test(name)) return undefined;
        names.add(name);
      }
      clause = clause.replace(braces[0], '');
    }
    if (/^[A-Za-z_$][\w$]*/.test(clause.replace(/^,/, '').trim())) names.add('default');
  }
  return found ? names : undefined;
}

/** A package and, recursively, the packages it depends on (as installed in the root node_modules). */
export function dependencyClosure(name: string, root = fileURLToPath(new URL('./node_modules/', import.meta.url))): string[] {
  const seen = new Set<string>();
  const visit = (pkg: string) => {
    if (seen.has(pkg)) return;
    seen.add(pkg);
    let manifest: { dependencies?: Record<string, string> };
    try {
      manifest = JSON.parse(readFileSync(`${root}${pkg}/package.json`, 'utf8'));
    } catch {
      return; // an optional dependency not installed here
    }
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep);
  };
  visit(name);
  return [...seen];
}

/**
 * pino-pretty is a developer's pretty printer (core logger.ts asks for it only when stdout is a TTY):
 * left out of bundles and required from node_modules where it is installed (a checkout); an image
 * has none, so its logs stay JSON lines.
 */
export const prettyPrinterNotBundled: Plugin = {
  name: 'pino-pretty-not-bundled',
  setup(build) {
    build.onResolve({ filter: /^pino-pretty$/ }, (args) => ({ path: args.path, external: true }));
  },
};
