import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';
import { COMPRESSION, SECTOR } from './anvil.js';

/**
 * Whether a region file is whole: both header tables present, every chunk inside the file, every
 * chunk's data decompresses. A torn copy (the fake rewrites a file in two halves) fails: its
 * second half, where chunks live, is missing.
 */
export function regionProblem(data: Buffer): string | undefined {
  if (data.length < 2 * SECTOR) return `${data.length} bytes is shorter than the 8 KiB header`;
  for (let i = 0; i < 1024; i++) {
    const offset = data.readUIntBE(i * 4, 3);
    const sectors = data[i * 4 + 3] ?? 0;
    if (offset === 0 && sectors === 0) continue;
    const start = offset * SECTOR;
    if (offset < 2 || start + 5 > data.length) return `chunk ${i} starts outside the file`;
    const length = data.readUInt32BE(start);
    if (length < 1 || start + 4 + length > data.length || length + 4 > sectors * SECTOR)
      return `chunk ${i} runs past its sectors or the file`;
    const body = data.subarray(start + 5, start + 4 + length);
    try {
      if (data[start + 4] === COMPRESSION.zlib) inflateSync(body);
      else if (data[start + 4] === COMPRESSION.gzip) gunzipSync(body);
      else if (data[start + 4] !== COMPRESSION.none) return `chunk ${i} has compression ${data[start + 4]}`;
    } catch {
      return `chunk ${i} does not decompress`;
    }
  }
  return undefined;
}

/** Whether a file the fake writes is whole: region files structurally, `.dat` files as whole gzip streams. */
export function isWholeFile(path: string, data: Buffer): boolean {
  if (path.endsWith('.mca')) return regionProblem(data) === undefined;
  try {
    gunzipSync(data);
    return true;
  } catch {
    return false;
  }
}

export interface WorldCheck {
  /** Files checked (region `.mca` and `.dat` files). */
  files: number;
  /** Paths (relative to the world) that are torn: a region or gzip stream cut short. */
  bad: string[];
  ok: boolean;
}

/** Checks every `.mca` and `.dat` file under a world (or a copy of one, e.g. a restored backup). */
export function verifyWorld(dir: string): WorldCheck {
  const bad: string[] = [];
  let files = 0;
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && /\.(mca|dat)$/.test(entry.name)) {
        files++;
        if (!isWholeFile(path, readFileSync(path))) bad.push(relative(dir, path));
      }
    }
  };
  walk(dir);
  return { files, bad, ok: bad.length === 0 };
}
