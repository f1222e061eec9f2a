#!/usr/bin/env node
// Rewrites the fenced block of each app README that holds its `--help` (the block that starts with
// "<app>: ") with the app's current `--help` (from its bundle, so run `npx turbo run build` first). Usage: node scripts/refresh-readme-help.mjs [app...]
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const apps = process.argv.slice(2).length > 0 ? process.argv.slice(2) : readdirSync(join(root, 'apps'));
for (const app of apps) {
  const readme = join(root, 'apps', app, 'README.md');
  const bundle = join(root, 'apps', app, 'dist', 'main.js');
  if (!existsSync(readme) || !existsSync(bundle)) continue;
  const text = readFileSync(readme, 'utf8');
  const block = new RegExp(`(\`\`\`(?:text)?\n)${app}: [\\s\\S]*?\nUsage: ${app} [\\s\\S]*?(\`\`\`)`);
  if (!block.test(text)) continue;
  const help = execFileSync(process.execPath, [bundle, '--help'], { encoding: 'utf8', env: {} });
  const next = text.replace(block, (_m, open, close) => `${open}${help}${close}`);
  if (next !== text) {
    writeFileSync(readme, next);
    console.log(`${app}: help block refreshed`);
  }
}
