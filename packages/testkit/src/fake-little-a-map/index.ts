import { existsSync } from 'node:fs';
import { chmod, readFile, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '@homelab/testkit-base';
import { type FakeMapControl, type FakeMapManifest, sha256 } from './render.js';

export type { FakeMapControl, FakeMapManifest } from './render.js';
export { sha256 } from './render.js';

/** The bundled fake (`npm run build` makes it): `node <this> <world> <output>`. */
export function fakeLittleAMapBundle(): string {
  const path = join(repoRoot, 'packages', 'testkit', 'dist', 'fake-little-a-map.js');
  if (!existsSync(path)) throw new Error(`${path} is missing: run "npm run build" first`);
  return path;
}

export interface FakeLogEntry {
  event: 'start' | 'end';
  pid: number;
  at: number;
  ok?: boolean;
  mode?: string;
  renderId?: number;
  changedTiles?: number;
  error?: string;
}

export interface FakeRenderer {
  /** An executable `little-a-map` wrapper: use as MAP_RENDERER or put `dir` on PATH. */
  command: string;
  dir: string;
  /** Env for the process that runs the renderer (the watcher passes its env on). */
  env: Record<string, string>;
  setControl(control: FakeMapControl): Promise<void>;
  runs(): Promise<FakeLogEntry[]>;
  starts(): Promise<FakeLogEntry[]>;
}

/** Writes an executable wrapper script named `little-a-map` into `dir`, plus its control and log files. */
export async function createFakeRenderer(dir: string, control: FakeMapControl = {}): Promise<FakeRenderer> {
  const command = join(dir, 'little-a-map');
  const controlPath = join(dir, 'fake-map-control.json');
  const logPath = join(dir, 'fake-map-log.jsonl');
  await writeFile(command, `#!/bin/sh\nexec '${process.execPath}' '${fakeLittleAMapBundle()}' "$@"\n`);
  await chmod(command, 0o755);
  await writeFile(controlPath, JSON.stringify(control));
  await writeFile(logPath, '');
  const runs = async () =>
    (await readFile(logPath, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as FakeLogEntry);
  return {
    command,
    dir,
    env: { FAKE_MAP_CONTROL: controlPath, FAKE_MAP_LOG: logPath },
    setControl: (c) => writeFile(controlPath, JSON.stringify(c)),
    runs,
    starts: async () => (await runs()).filter((e) => e.event === 'start'),
  };
}

export type MapCheck = { ok: true; renderId: number; release: string } | { ok: false; problem: string };

/**
 * Reads a published map the way a careful reader would: resolve the published path once, then
 * read the manifest and every file it lists from that one release. Any missing file or a file
 * whose content is not the one of this manifest's render (a torn or mixed release) is a problem.
 */
export async function checkPublishedMap(output: string): Promise<MapCheck> {
  let release: string;
  try {
    release = await realpath(output);
  } catch (error) {
    return { ok: false, problem: `published map missing: ${(error as Error).message}` };
  }
  let manifest: FakeMapManifest;
  try {
    manifest = JSON.parse(await readFile(join(release, 'manifest.json'), 'utf8'));
  } catch (error) {
    return { ok: false, problem: `manifest unreadable in ${release}: ${(error as Error).message}` };
  }
  for (const [file, hash] of Object.entries(manifest.files)) {
    let data: Buffer;
    try {
      data = await readFile(join(release, file));
    } catch (error) {
      return { ok: false, problem: `render ${manifest.renderId}: ${file} missing: ${(error as Error).message}` };
    }
    if (sha256(data) !== hash)
      return { ok: false, problem: `render ${manifest.renderId}: ${file} does not match its manifest (torn or mixed)` };
  }
  return { ok: true, renderId: manifest.renderId, release };
}

/** The render facts the fake put into a published index.html (inputs are world-relative paths -> sha256). */
export async function readPublishedIndex(
  output: string,
): Promise<{ renderId: number; dimensions: string[]; inputs: Record<string, string> }> {
  const html = await readFile(join(output, 'index.html'), 'utf8');
  const match = /<script type="application\/json" id="render">(.*)<\/script>/.exec(html);
  if (!match) throw new Error(`${output}/index.html has no render data`);
  return JSON.parse(match[1] as string);
}
