import { gunzipSync, inflateSync } from 'node:zlib';
import { NbtError, parseNbt } from './nbt.js';

export const SECTOR = 4096;
/** A chunk that inflates past this is refused (a hostile archive could hold a zip bomb). */
export const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

export interface RegionCheckOptions {
  /** Region coordinates from the name `r.X.Z.mca`, to find external `c.X.Z.mcc` chunk files. */
  region?: { x: number; z: number };
  /** Reads `c.X.Z.mcc` beside the region file (chunks flagged 128 + compression); undefined when missing. */
  readExternal(name: string): Buffer | undefined;
  /** Timestamps later than this (seconds since the epoch) are reported. */
  latestTimestamp: number;
}

export interface RegionCheck {
  chunks: number;
  problems: string[];
}

const at = (i: number) => `chunk (${i % 32},${Math.floor(i / 32)})`;

/**
 * Checks a region file as the game reads it (Anvil): both 4 KiB header tables, every chunk's
 * location inside the file and not overlapping another, timestamps not in the future, each
 * chunk's length within its sectors, and each chunk's data decompressing (1 gzip, 2 zlib,
 * 3 none, +128 in an external .mcc file) to an NBT compound. Other compressions (4 = LZ4 since
 * 1.20.5, or unknown) are reported, not guessed at. Pure: the file is passed in.
 */
export function checkRegion(data: Buffer, opts: RegionCheckOptions): RegionCheck {
  const problems: string[] = [];
  // Vanilla treats an empty file as a region with no chunks yet.
  if (data.length === 0) return { chunks: 0, problems };
  if (data.length < 2 * SECTOR) return { chunks: 0, problems: [`${data.length} bytes: shorter than the 8 KiB header tables`] };
  const sectorsInFile = Math.ceil(data.length / SECTOR);
  const used: { index: number; offset: number; sectors: number }[] = [];
  for (let i = 0; i < 1024; i++) {
    const offset = data.readUIntBE(i * 4, 3);
    const sectors = data[i * 4 + 3] as number;
    const timestamp = data.readUInt32BE(SECTOR + i * 4);
    if (offset === 0 && sectors === 0) continue;
    if (offset < 2 || sectors === 0) {
      problems.push(`${at(i)}: location (sector ${offset}, ${sectors} sectors) points into the header or is empty`);
      continue;
    }
    if (offset + sectors > sectorsInFile) {
      problems.push(`${at(i)}: sectors ${offset}-${offset + sectors - 1} lie past the end of the file (${sectorsInFile} sectors)`);
      continue;
    }
    if (timestamp > opts.latestTimestamp) {
      problems.push(`${at(i)}: timestamp ${new Date(timestamp * 1000).toISOString()} is in the future`);
    }
    used.push({ index: i, offset, sectors });
  }
  used.sort((a, b) => a.offset - b.offset);
  for (let k = 1; k < used.length; k++) {
    const prev = used[k - 1];
    const cur = used[k];
    if (prev && cur && prev.offset + prev.sectors > cur.offset) problems.push(`${at(prev.index)} and ${at(cur.index)} share sectors`);
  }
  let chunks = 0;
  for (const { index, offset, sectors } of used) {
    const problem = chunkProblem(data, index, offset, sectors, opts);
    if (problem) problems.push(`${at(index)}: ${problem}`);
    else chunks++;
  }
  return { chunks, problems };
}

function chunkProblem(data: Buffer, index: number, offset: number, sectors: number, opts: RegionCheckOptions): string | undefined {
  const start = offset * SECTOR;
  if (start + 5 > data.length) return 'the chunk header lies past the end of the file';
  const length = data.readUInt32BE(start);
  if (length === 0) return 'length 0';
  if (length + 4 > sectors * SECTOR || start + 4 + length > data.length) {
    return `length ${length} runs past its ${sectors} sectors or the end of the file`;
  }
  const flag = data[start + 4] as number;
  let body = data.subarray(start + 5, start + 4 + length);
  let compression = flag;
  if (flag & 128) {
    compression = flag & 127;
    if (!opts.region) return 'stored in an external .mcc file, but the region file name has no coordinates';
    const name = `c.${opts.region.x * 32 + (index % 32)}.${opts.region.z * 32 + Math.floor(index / 32)}.mcc`;
    const external = opts.readExternal(name);
    if (!external) return `stored in ${name}, which is missing`;
    body = external;
  }
  let nbt: Buffer;
  try {
    if (compression === 2) nbt = inflateSync(body, { maxOutputLength: MAX_CHUNK_BYTES });
    else if (compression === 1) nbt = gunzipSync(body, { maxOutputLength: MAX_CHUNK_BYTES });
    else if (compression === 3) nbt = body;
    else if (compression === 4) return 'compressed with LZ4 (4), which verify does not read; use region-file-compression=deflate';
    else return `unknown compression type ${compression}`;
  } catch (error) {
    const name = compression === 1 ? 'gzip' : 'zlib';
    return `does not decompress (${name}: ${error instanceof Error ? error.message : String(error)})`;
  }
  try {
    parseNbt(nbt);
  } catch (error) {
    if (error instanceof NbtError) return `is not valid NBT: ${error.message}`;
    throw error;
  }
  return undefined;
}
