// The generated 1 GiB world of the mc-backup benches: 512 Anvil region files of ~2 MiB, each with
// 510 chunks of fresh noise (unique: borg cannot deduplicate it away), zlib level 0 so that a
// gigabyte is generated in seconds; verify still inflates and parses every chunk.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRegion } from '../../../packages/testkit/src/index.js';

export const WORLD_BYTES = 1024 ** 3;
export const REGION_BYTES = 2 * 1024 ** 2;
export const REGIONS = WORLD_BYTES / REGION_BYTES;
export const CHANGED = Math.round(REGIONS * 0.02);

function coords(i: number): { x: number; z: number } {
  // far from the fake server's own few regions
  return { x: 100 + (i % 32), z: 100 + Math.floor(i / 32) };
}

/** Writes one region file with fresh chunks. */
export function writeRegion(world: string, i: number): void {
  const { x, z } = coords(i);
  writeFileSync(join(world, 'region', `r.${x}.${z}.mca`), buildRegion({ x, z, bytes: REGION_BYTES, level: 0 }));
}

export function generateWorld(world: string): void {
  mkdirSync(join(world, 'region'), { recursive: true });
  for (let i = 0; i < REGIONS; i++) writeRegion(world, i);
}

/** Rewrites 2% of the region files, spread over the world. */
export function changeSome(world: string, round: number): void {
  const step = Math.floor(REGIONS / CHANGED);
  for (let k = 0; k < CHANGED; k++) writeRegion(world, (k * step + round) % REGIONS);
}
