import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from './app.js';

/**
 * Bundles a TypeScript source text (which may import repo sources by absolute path) into one
 * runnable .mjs file in `dir`, so a test can run it as a real process (`minify`: built like an app's bundle).
 */
export async function bundleScript(dir: string, name: string, source: string, opts: { minify?: boolean } = {}): Promise<string> {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, source);
  const outfile = join(dir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // `minify`: whitespace and syntax, as tsup.app.ts builds the apps (names kept).
    ...(opts.minify ? { minifyWhitespace: true, minifySyntax: true } : {}),
    // Bare imports (zod, ...) resolve from the repo's node_modules although the entry is in a temp dir.
    nodePaths: [join(repoRoot, 'node_modules')],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return outfile;
}
