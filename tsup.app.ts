import { chmod, readFile, writeFile } from 'node:fs/promises';
import { defineConfig } from 'tsup';
import { dependencyClosure, humanSignalsByNameOnly, lazyBuiltinsOf, promClientLite } from './bundle-plugins.js';

/**
 * The one build recipe of every app: src/main.ts bundled with all its dependencies into
 * dist/main.js, runnable with plain `node` and nothing next to it (that file alone goes into images).
 */
export function appBuildConfig(extraEntries: Record<string, string> = {}) {
  return defineConfig({
    entry: { main: 'src/main.ts', ...extraEntries },
    format: ['esm'],
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
    // bundle-plugins.ts: the lean prom-client, execa's builtins loaded with execa, no unused signal table.
    esbuildPlugins: [promClientLite, lazyBuiltinsOf(dependencyClosure('execa')), humanSignalsByNameOnly],
    esbuildOptions(options) {
      options.minifyWhitespace = true;
      options.minifySyntax = true;
    },
    noExternal: [/.*/],
    // Builtins keep their `node:` prefix, so bundle-plugins.ts sees every builtin import.
    removeNodeProtocol: false,
    silent: true,
    // Bundled CommonJS dependencies call require(); give the ESM bundle one.
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __homelabCreateRequire } from 'node:module';\nconst require = __homelabCreateRequire(import.meta.url);",
    },
    async onSuccess() {
      for (const name of ['main', ...Object.keys(extraEntries)]) {
        const file = `dist/${name}.js`;
        const text = await readFile(file, 'utf8');
        // esbuild keeps a source file's own shebang; keep exactly one.
        const fixed = text.replace(/^(#!.*\n)(?:#!.*\n)+/, '$1');
        if (fixed !== text) await writeFile(file, fixed);
        await chmod(file, 0o755);
      }
    },
  });
}
