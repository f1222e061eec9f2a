import { gunzipSync } from 'node:zlib';
import { type NbtCompound, parseNbt, tagName } from './nbt.js';
import { MAX_CHUNK_BYTES } from './region.js';

/** The tags a server needs in level.dat's `Data` before it loads anything else (1.13+ worlds). */
const LEVEL_TAGS: [string, number][] = [
  ['DataVersion', 3],
  ['LevelName', 8],
  ['version', 3],
];

/** Pure: a `.dat` file as vanilla writes it (gzip NBT); returns the root compound or a problem. */
export function readGzipNbt(data: Buffer): { root: NbtCompound } | { problem: string } {
  let raw: Buffer;
  try {
    raw = gunzipSync(data, { maxOutputLength: MAX_CHUNK_BYTES });
  } catch (error) {
    return { problem: `is not a whole gzip stream (${error instanceof Error ? error.message : String(error)})` };
  }
  try {
    return { root: parseNbt(raw).value };
  } catch (error) {
    return { problem: `is not valid NBT: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Pure: level.dat parses and has `Data` with the expected tags of the expected types. */
export function levelDatProblems(data: Buffer): string[] {
  const parsed = readGzipNbt(data);
  if ('problem' in parsed) return [parsed.problem];
  const level = parsed.root.Data;
  if (level?.type !== 10) return [`has no Data compound (root tags: ${Object.keys(parsed.root).join(', ') || 'none'})`];
  const tags = level.value as NbtCompound;
  const problems: string[] = [];
  for (const [name, type] of LEVEL_TAGS) {
    const tag = tags[name];
    if (!tag) problems.push(`Data has no ${name}`);
    else if (tag.type !== type) problems.push(`Data.${name} is a ${tagName(tag.type)}, expected ${tagName(type)}`);
  }
  return problems;
}
