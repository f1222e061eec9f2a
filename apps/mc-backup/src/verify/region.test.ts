import { deflateSync, gzipSync } from 'node:zlib';
import { buildRegion, nbt } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { checkRegion } from './region.js';

const NOW = 1_800_000_000;
const opts = (external: Record<string, Buffer> = {}) => ({
  region: { x: 0, z: 0 },
  readExternal: (name: string) => external[name],
  latestTimestamp: NOW + 86_400,
});
const good = () => buildRegion({ x: 0, z: 0, bytes: 64 * 1024, nowSeconds: NOW });
const chunkNbt = nbt.encodeNbt({ DataVersion: nbt.int(3955), xPos: nbt.int(0), zPos: nbt.int(0) });

/** A region with one chunk at (0,0): `payload` after the 4-byte length, padded to whole sectors. */
function oneChunk(payload: Buffer, sectors = Math.ceil((payload.length + 4) / 4096)): Buffer {
  const file = Buffer.alloc((2 + sectors) * 4096);
  file.writeUIntBE(2, 0, 3);
  file[3] = sectors;
  file.writeUInt32BE(NOW, 4096);
  file.writeUInt32BE(payload.length, 8192);
  payload.copy(file, 8196);
  return file;
}

describe('checkRegion', () => {
  it('passes a region as vanilla writes it, counting its chunks', () => {
    expect(checkRegion(good(), opts())).toEqual({ chunks: 14, problems: [] });
  });

  it('reads every compression vanilla flags: gzip 1, zlib 2, none 3, and 128 + n from a .mcc file', () => {
    expect(checkRegion(oneChunk(Buffer.concat([Buffer.from([1]), gzipSync(chunkNbt)])), opts()).problems).toEqual([]);
    expect(checkRegion(oneChunk(Buffer.concat([Buffer.from([2]), deflateSync(chunkNbt)])), opts()).problems).toEqual([]);
    expect(checkRegion(oneChunk(Buffer.concat([Buffer.from([3]), chunkNbt])), opts()).problems).toEqual([]);
    const external = oneChunk(Buffer.from([128 + 2]));
    expect(checkRegion(external, opts({ 'c.0.0.mcc': deflateSync(chunkNbt) })).problems).toEqual([]);
    expect(checkRegion(external, opts()).problems).toEqual(['chunk (0,0): stored in c.0.0.mcc, which is missing']);
  });

  it.each([
    [
      'flipped bytes in a chunk',
      (r: Buffer) => r.fill(0x55, 2 * 4096 + 100, 2 * 4096 + 140),
      /chunk \(0,0\): does not decompress \(zlib: /,
    ],
    ['LZ4 (4)', (r: Buffer) => (r[2 * 4096 + 4] = 4), /chunk \(0,0\): compressed with LZ4 \(4\), which verify does not read/],
    ['an unknown compression', (r: Buffer) => (r[2 * 4096 + 4] = 9), /chunk \(0,0\): unknown compression type 9/],
    [
      'a location in the header',
      (r: Buffer) => r.writeUIntBE(1, 0, 3),
      /chunk \(0,0\): location \(sector 1, 1 sectors\) points into the header/,
    ],
    ['a location past the end', (r: Buffer) => r.writeUIntBE(500, 4, 3), /chunk \(1,0\): sectors 500-500 lie past the end of the file/],
    ['two chunks sharing sectors', (r: Buffer) => r.writeUIntBE(2, 4, 3), /chunk \(0,0\) and chunk \(1,0\) share sectors/],
    ['a length past its sectors', (r: Buffer) => r.writeUInt32BE(5000, 2 * 4096), /chunk \(0,0\): length 5000 runs past its 1 sectors/],
    ['a timestamp in the future', (r: Buffer) => r.writeUInt32BE(NOW + 3 * 86_400, 4096), /chunk \(0,0\): timestamp .* is in the future/],
  ])('reports %s', (_what, damage, expected) => {
    const region = good();
    damage(region);
    const result = checkRegion(region, opts());
    expect(result.problems.join('\n')).toMatch(expected);
  });

  it('reports a truncated file and a chunk that is not NBT; an empty file is an empty region', () => {
    const region = good();
    expect(checkRegion(region.subarray(0, region.length / 2), opts()).problems.join('\n')).toMatch(/lie past the end of the file/);
    expect(checkRegion(region.subarray(0, 5000), opts()).problems).toEqual(['5000 bytes: shorter than the 8 KiB header tables']);
    expect(checkRegion(Buffer.alloc(0), opts())).toEqual({ chunks: 0, problems: [] });
    const notNbt = oneChunk(Buffer.concat([Buffer.from([2]), deflateSync(Buffer.from('hello'))]));
    expect(checkRegion(notNbt, opts()).problems).toEqual(['chunk (0,0): is not valid NBT: root tag is 104, expected a Compound']);
  });
});
