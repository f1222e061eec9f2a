import { mkdirSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { buildLevelDat, buildMapDat, buildRegion } from './anvil.js';

export interface WorldWriterOptions {
  dir: string;
  /** Region files (`region/r.X.Z.mca`). Default 6. */
  regions?: number;
  /** Approximate bytes per region file (Anvil: 8 KiB of header, then zlib chunks). Default 16 KiB. */
  regionBytes?: number;
  /** Map files (`data/map_N.dat`). Default 3. */
  maps?: number;
  /** LevelName in level.dat. Default the folder's name. */
  levelName?: string;
  /** One world change, and (while saving is on) one file write, per interval. Default 100 ms. */
  intervalMs?: number;
  /** Pause between the two halves of a file write: the window in which a copy sees a torn file. */
  writeGapMs?: number;
}

/**
 * The world's disk side: the game keeps changing regions and maps in memory; while automatic
 * saving is on, dirty files are written one after another at a steady rate, each in two halves
 * with a gap (as chunk IO is not atomic). save-off stops new writes (one in progress finishes);
 * flush() writes everything dirty, whether saving is on or off, and resolves when it is on disk.
 */
export class WorldWriter {
  saving = true;
  /** Files written since start. */
  writes = 0;
  private readonly files: string[];
  private readonly dirty = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  private busy = false;
  private timer: NodeJS.Timeout | undefined;
  private tick = 0;
  private readonly opts: Required<WorldWriterOptions>;

  constructor(opts: WorldWriterOptions) {
    this.opts = { regions: 6, regionBytes: 16 * 1024, maps: 3, intervalMs: 100, writeGapMs: 15, levelName: basename(opts.dir), ...opts };
    const side = Math.ceil(Math.sqrt(this.opts.regions));
    this.files = [];
    for (let i = 0; i < this.opts.regions; i++) {
      this.files.push(join('region', `r.${(i % side) - 1}.${Math.floor(i / side) - 1}.mca`));
    }
    for (let i = 0; i < this.opts.maps; i++) this.files.push(join('data', `map_${i}.dat`));
    this.files.push('level.dat');
  }

  /** Creates any missing file at once (a fresh world), then starts the steady changes. */
  start(): void {
    for (const file of this.files) {
      const path = join(this.opts.dir, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, this.body(file), { flag: 'w' });
    }
    this.timer = setInterval(() => this.onTick(), this.opts.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Writes every dirty file; resolves when all writes (also one already running) are done. */
  async flush(): Promise<number> {
    const files = [...this.dirty];
    this.dirty.clear();
    for (const file of files) this.enqueue(file);
    await this.chain;
    return files.length;
  }

  /** Starts writing everything dirty without waiting (vanilla's `save-all` without `flush`). */
  saveAll(): void {
    void this.flush();
  }

  private onTick(): void {
    this.tick++;
    const region = this.files[this.tick % this.opts.regions];
    if (region) this.dirty.add(region);
    if (this.tick % 5 === 0 && this.opts.maps > 0) this.dirty.add(join('data', `map_${this.tick % this.opts.maps}.dat`));
    if (!this.saving || this.busy) return;
    const next = this.dirty.values().next();
    if (next.done) return;
    this.dirty.delete(next.value);
    this.enqueue(next.value);
  }

  private enqueue(file: string): void {
    this.chain = this.chain.then(() => this.writeTorn(file)).catch(() => {});
  }

  private async writeTorn(file: string): Promise<void> {
    this.busy = true;
    try {
      const data = this.body(file);
      const half = Math.floor(data.length / 2);
      const handle = await open(join(this.opts.dir, file), 'w');
      try {
        await handle.write(data, 0, half, 0);
        await new Promise((resolve) => setTimeout(resolve, this.opts.writeGapMs));
        await handle.write(data, half, data.length - half, half);
      } finally {
        await handle.close();
      }
      this.writes++;
    } finally {
      this.busy = false;
    }
  }

  /** The file as vanilla writes it, with fresh content (new chunk noise, a new map picture). */
  private body(file: string): Buffer {
    const region = /r\.(-?\d+)\.(-?\d+)\.mca$/.exec(file);
    if (region) return buildRegion({ x: Number(region[1]), z: Number(region[2]), bytes: this.opts.regionBytes });
    const map = /map_(\d+)\.dat$/.exec(file);
    if (map) return buildMapDat(Number(map[1]));
    return buildLevelDat(this.opts.levelName);
  }
}
