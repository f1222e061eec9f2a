#!/usr/bin/env node
// npm run bench: bundles and runs every `bench/*.bench.ts` of packages and apps (one process each,
// one after another, so they do not disturb each other), then prints one table of all rows.
// Usage: node bench/run.mjs [filter]   e.g. `npm run bench -- bridge`
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const filter = process.argv[2];
const outDir = join(root, 'bench', 'results', 'bundles');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const scripts = [];
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const dir = join(root, group, name, 'bench');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.bench.ts'))) scripts.push(join(dir, file));
  }
}
const selected = scripts.filter((s) => !filter || s.includes(filter));
if (selected.length === 0) {
  console.error(`no bench scripts${filter ? ` matching "${filter}"` : ''}`);
  process.exit(2);
}

const rows = [];
let failed = 0;
for (const script of selected) {
  const name = relative(root, script);
  const outfile = join(outDir, `${name.replaceAll('/', '__')}.mjs`);
  await build({
    entryPoints: [script],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // esbuild (and anything with native parts) stays a runtime import from the root node_modules.
    external: ['esbuild', 'cpu-features', 'ssh2'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  process.stderr.write(`\n== ${name}\n`);
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--expose-gc', outfile], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 15 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, HOMELAB_REPO_ROOT: root },
  });
  for (const line of (result.stdout ?? '').split('\n')) {
    if (line.startsWith('BENCH ')) rows.push(JSON.parse(line.slice(6)));
    else if (line.trim()) process.stderr.write(`${line}\n`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    failed++;
    process.stderr.write(`!! ${name} failed (status ${result.status}, signal ${result.signal}) after ${seconds} s\n`);
  } else process.stderr.write(`   done in ${seconds} s\n`);
}

const tableModule = join(outDir, 'bench-table.mjs');
await build({
  entryPoints: [join(root, 'packages/testkit-base/src/bench.ts')],
  outfile: tableModule,
  bundle: true,
  platform: 'node',
  format: 'esm',
  logLevel: 'error',
});
const { formatBenchTable } = await import(tableModule);
console.log(`\n${formatBenchTable(rows)}\n`);
if (failed > 0) {
  console.error(`${failed} bench script(s) failed`);
  process.exit(1);
}
