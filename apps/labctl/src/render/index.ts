import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomic } from '@homelab/core';
import { wiredEnds } from '../model.js';
import type { Lab } from '../schema.js';
import { renderCaddyfile } from './caddy.js';
import { renderCompose } from './compose.js';
import { renderLighttpd } from './lighttpd.js';
import { allRulesets } from './nft.js';
import { renderWgAgentConfig } from './wg-agent.js';

/** Pure: every rendered file, by its path relative to the output folder. */
export function renderAll(lab: Lab): Map<string, string> {
  const files = new Map<string, string>();
  const modules = new Set(Object.values(lab.containers).map((c) => c.module));
  for (const module of Object.keys(lab.modules)) {
    if (modules.has(module)) files.set(`${module}.yaml`, renderCompose(lab, module));
  }
  files.set('caddy/Caddyfile', renderCaddyfile(lab));
  files.set('wg-agent/wg-agent.yaml', renderWgAgentConfig(lab));
  for (const name of Object.keys(lab.containers)) {
    const conf = renderLighttpd(lab, name);
    if (conf) files.set(`lighttpd/${name}.conf`, conf);
  }
  for (const [end, text] of allRulesets(lab, wiredEnds(lab))) files.set(`nftables/${end}.nft`, text);
  return files;
}

export async function writeRendered(outDir: string, files: Map<string, string>): Promise<string[]> {
  const written: string[] = [];
  for (const [path, text] of files) {
    const full = join(outDir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFileAtomic(full, text);
    written.push(path);
  }
  return written;
}

/** Files of `dir` (recursively) that differ from, or are missing in, or are extra to `files`. */
export async function diffRendered(dir: string, files: Map<string, string>): Promise<string[]> {
  const present = await listFiles(dir);
  const problems: string[] = [];
  for (const [path, text] of files) {
    const onDisk = await readFile(join(dir, path), 'utf8').catch(() => undefined);
    if (onDisk === undefined) problems.push(`${path}: missing`);
    else if (onDisk !== text) problems.push(`${path}: differs`);
  }
  for (const path of present) if (!files.has(path)) problems.push(`${path}: not rendered by labctl`);
  return problems;
}

async function listFiles(dir: string, root = dir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(full, root)));
    else if (e.name !== 'README.md') out.push(relative(root, full));
  }
  return out;
}
