import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * A faithful stand-in for little-a-map: `<world> <output>` in, `index.html`, `tiles/z/x/y.webp` and a
 * `manifest.json` out, derived from the world's files. Like the real one it keeps its incremental
 * cache in `<output>/.cache`, rewrites only tiles whose region changed, and writes files in place
 * and slowly, so anyone publishing the output folder directly would show torn files.
 */
export interface FakeMapControl {
  /** ok (default), fail (exit 3 after a partial write) or hang (never exits). */
  mode?: 'ok' | 'fail' | 'hang';
  /** Pause in the middle of every file written; default 2 ms. */
  writeDelayMs?: number;
  /** Extra time spent "rendering" before writing; default 0. */
  renderDelayMs?: number;
  /** Padding per tile, so a tile is big enough to be read half-written; default 2048. */
  padBytes?: number;
}

export interface FakeMapManifest {
  renderId: number;
  /** Output-relative path -> sha256 of the content this render wrote. */
  files: Record<string, string>;
}

const INPUT_DIRS = new Set(['region', 'entities', 'data', 'playerdata']);
const TEMP = /(^session\.lock$|^\.|\.tmp$|_old$|~$)/;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

async function listInputs(world: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const entry of await readdir(join(world, rel), { withFileTypes: true })) {
      if (TEMP.test(entry.name)) continue;
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile() && child.split('/').some((part) => INPUT_DIRS.has(part))) out.push(child);
    }
  };
  await walk('');
  return out.sort();
}

/** Writes a file in place in two halves with a pause between: a reader can catch it torn. */
async function writeSlowly(path: string, data: Buffer, delayMs: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, 'w');
  try {
    const half = Math.floor(data.length / 2);
    await handle.write(data.subarray(0, half));
    if (delayMs > 0) await sleep(delayMs);
    await handle.write(data.subarray(half));
  } finally {
    await handle.close();
  }
}

function tileBytes(tile: string, sourceHash: string, padBytes: number): Buffer {
  const body = Buffer.from(`WEBPFAKE ${JSON.stringify({ tile, source: sourceHash })}\n`);
  const pad = Buffer.alloc(padBytes, sourceHash.slice(0, 16));
  const header = Buffer.alloc(8);
  header.write('RIFF', 0);
  header.writeUInt32LE(body.length + pad.length, 4);
  return Buffer.concat([header, body, pad]);
}

/** Tiles at zoom 0 (one per overworld region file) and zoom 1 (2x2 regions each), with their source hash. */
function planTiles(hashes: Map<string, string>): Map<string, string> {
  const tiles = new Map<string, string>();
  const zoom1 = new Map<string, string[]>();
  for (const [rel, hash] of hashes) {
    const match = /^region\/r\.(-?\d+)\.(-?\d+)\.mca$/.exec(rel);
    if (!match) continue;
    const x = Number(match[1]);
    const z = Number(match[2]);
    tiles.set(`tiles/0/${x}/${z}.webp`, hash);
    const parent = `tiles/1/${Math.floor(x / 2)}/${Math.floor(z / 2)}.webp`;
    zoom1.set(parent, [...(zoom1.get(parent) ?? []), hash]);
  }
  for (const [tile, children] of zoom1) tiles.set(tile, sha256(children.sort().join(',')));
  return tiles;
}

export interface FakeRenderResult {
  renderId: number;
  tiles: number;
  changedTiles: number;
}

export async function renderFakeMap(world: string, output: string, control: FakeMapControl): Promise<FakeRenderResult> {
  const delay = control.writeDelayMs ?? 2;
  const cacheFile = join(output, '.cache', 'state.json');
  await mkdir(join(output, '.cache'), { recursive: true });
  const cache: { renderId: number; tiles: Record<string, string> } = existsSync(cacheFile)
    ? JSON.parse(await readFile(cacheFile, 'utf8'))
    : { renderId: 0, tiles: {} };
  const renderId = cache.renderId + 1;

  const inputs = await listInputs(world);
  const hashes = new Map<string, string>();
  for (const rel of inputs) hashes.set(rel, sha256(await readFile(join(world, rel))));
  if (control.renderDelayMs) await sleep(control.renderDelayMs);

  if (control.mode === 'fail' || control.mode === 'hang') {
    await writeSlowly(join(output, 'index.html'), Buffer.from(`<!doctype html><p>render ${renderId} in progr`), delay);
    if (control.mode === 'fail') throw new Error(`simulated failure in render ${renderId}: corrupt region file`);
    await new Promise(() => setInterval(() => {}, 1 << 30));
  }

  const manifest: FakeMapManifest = { renderId, files: {} };
  const tiles = planTiles(hashes);
  let changedTiles = 0;
  for (const [tile, hash] of tiles) {
    const data = tileBytes(tile, hash, control.padBytes ?? 2048);
    manifest.files[tile] = sha256(data);
    if (cache.tiles[tile] === hash && existsSync(join(output, tile))) continue;
    await writeSlowly(join(output, tile), data, delay);
    changedTiles++;
  }
  for (const tile of Object.keys(cache.tiles)) if (!tiles.has(tile)) await rm(join(output, tile), { force: true });

  const dimensions = [
    ...new Set(inputs.map((rel) => rel.slice(0, Math.max(0, rel.search(/(^|\/)(region|entities|data|playerdata)\//))) || 'overworld')),
  ];
  const index = Buffer.from(
    `<!doctype html>\n<title>akitio map</title>\n<script type="application/json" id="render">${JSON.stringify({
      renderId,
      dimensions,
      inputs: Object.fromEntries(hashes),
    })}</script>\n`,
  );
  manifest.files['index.html'] = sha256(index);
  await writeSlowly(join(output, 'index.html'), index, delay);
  await writeSlowly(join(output, 'manifest.json'), Buffer.from(JSON.stringify(manifest)), delay);
  await writeFile(cacheFile, JSON.stringify({ renderId, tiles: Object.fromEntries(tiles) }));
  return { renderId, tiles: tiles.size, changedTiles };
}
