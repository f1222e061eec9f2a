import { randomFillSync } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import { byte, byteArray, compound, double, encodeNbt, float, int, list, long, longArray, str, type Tag } from './nbt-write.js';

/** The DataVersion of 1.21.1, which the fake claims to be. */
export const DATA_VERSION = 3955;
export const SECTOR = 4096;
/** Compression flags of a chunk's header byte, as vanilla writes them (128 = data in a .mcc file). */
export const COMPRESSION = { gzip: 1, zlib: 2, none: 3, lz4: 4, external: 128 } as const;

export interface RegionOptions {
  /** Region coordinates (r.X.Z.mca). */
  x: number;
  z: number;
  /** Approximate file size: 8 KiB of header tables plus chunks of one section of noise each. */
  bytes: number;
  /** zlib level: vanilla uses the default; the 1 GiB bench world uses 0 (stored) to be generated quickly. */
  level?: number;
  /** The timestamp table's value (seconds since the epoch). */
  nowSeconds?: number;
}

/** One chunk's NBT as 1.18+ stores it, with one section whose block states are noise (incompressible, unique). */
export function chunkNbt(chunkX: number, chunkZ: number, sections: number, nowTicks: bigint): Buffer {
  const palette = Array.from({ length: 16 }, (_, i) => compound({ Name: str(`minecraft:${BLOCKS[i % BLOCKS.length]}`) }));
  const sectionTags: Tag[] = [];
  for (let y = 0; y < sections; y++) {
    // 4 bits per block, 4096 blocks: 256 longs; random words are valid palette indices.
    sectionTags.push(
      compound({
        Y: byte(y - 4),
        block_states: compound({ palette: list(10, palette), data: longArray(randomFillSync(Buffer.allocUnsafe(256 * 8))) }),
        biomes: compound({ palette: list(8, [str('minecraft:plains')]) }),
      }),
    );
  }
  return encodeNbt({
    DataVersion: int(DATA_VERSION),
    xPos: int(chunkX),
    zPos: int(chunkZ),
    yPos: int(-4),
    Status: str('minecraft:full'),
    LastUpdate: long(nowTicks),
    InhabitedTime: long(0),
    isLightOn: byte(1),
    sections: list(10, sectionTags),
  });
}

const BLOCKS = ['stone', 'dirt', 'grass_block', 'deepslate', 'water', 'sand', 'gravel', 'oak_log'];

/**
 * A region file in the Anvil format: a 4 KiB table of chunk locations (3-byte sector offset, 1-byte
 * sector count), a 4 KiB table of timestamps, then each chunk at its sector: 4-byte length
 * (compression byte included), the compression byte (2 = zlib), the compressed NBT, padded to
 * whole sectors.
 */
export function buildRegion(opts: RegionOptions): Buffer {
  const nowSeconds = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  const room = Math.max(SECTOR, opts.bytes - 2 * SECTOR);
  const count = Math.min(1024, Math.max(1, Math.floor(room / SECTOR)));
  const sections = Math.max(1, Math.floor(room / count / 2300));
  const header = Buffer.alloc(2 * SECTOR);
  const parts: Buffer[] = [header];
  let sector = 2;
  for (let i = 0; i < count; i++) {
    const local = { x: i % 32, z: Math.floor(i / 32) };
    const nbt = chunkNbt(opts.x * 32 + local.x, opts.z * 32 + local.z, sections, BigInt(nowSeconds) * 20n);
    const data = deflateSync(nbt, { level: opts.level ?? -1 });
    const sectors = Math.ceil((data.length + 5) / SECTOR);
    const chunk = Buffer.alloc(sectors * SECTOR);
    chunk.writeUInt32BE(data.length + 1, 0);
    chunk[4] = COMPRESSION.zlib;
    data.copy(chunk, 5);
    const index = local.x + local.z * 32;
    header.writeUIntBE(sector, index * 4, 3);
    header[index * 4 + 3] = sectors;
    header.writeUInt32BE(nowSeconds, SECTOR + index * 4);
    parts.push(chunk);
    sector += sectors;
  }
  return Buffer.concat(parts);
}

/** level.dat: gzip-compressed NBT, root `Data` with the tags a server reads first. */
export function buildLevelDat(levelName: string, nowMs = Date.now()): Buffer {
  return gzipSync(
    encodeNbt({
      Data: compound({
        DataVersion: int(DATA_VERSION),
        version: int(19133),
        LevelName: str(levelName),
        Version: compound({ Id: int(DATA_VERSION), Name: str('1.21.1'), Series: str('main'), Snapshot: byte(0) }),
        GameType: int(0),
        Difficulty: byte(2),
        hardcore: byte(0),
        initialized: byte(1),
        allowCommands: byte(0),
        LastPlayed: long(nowMs),
        Time: long(BigInt(Math.floor(nowMs / 50) % 1_000_000_000)),
        DayTime: long(6000),
        SpawnX: int(0),
        SpawnY: int(64),
        SpawnZ: int(0),
        SpawnAngle: float(0),
        BorderSize: double(59999968),
      }),
    }),
  );
}

/** data/map_N.dat: gzip NBT with 128x128 colour bytes (noise). */
export function buildMapDat(n: number): Buffer {
  return gzipSync(
    encodeNbt({
      DataVersion: int(DATA_VERSION),
      data: compound({
        scale: byte(0),
        dimension: str('minecraft:overworld'),
        xCenter: int(n * 128),
        zCenter: int(0),
        locked: byte(0),
        trackingPosition: byte(1),
        unlimitedTracking: byte(0),
        banners: list(10, []),
        frames: list(10, []),
        colors: byteArray(randomFillSync(Buffer.allocUnsafe(128 * 128))),
      }),
    }),
  );
}
