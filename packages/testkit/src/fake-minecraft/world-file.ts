import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file the fake writes ends with MAGIC + sha256(body): a half-written file fails the check. */
const MAGIC = Buffer.from('FAKEMCv1');
export const TRAILER_BYTES = MAGIC.length + 32;

export function withTrailer(body: Buffer): Buffer {
  return Buffer.concat([body, MAGIC, createHash('sha256').update(body).digest()]);
}

export function isWholeFile(data: Buffer): boolean {
  if (data.length < TRAILER_BYTES) return false;
  const body = data.subarray(0, data.length - TRAILER_BYTES);
  const magic = data.subarray(body.length, body.length + MAGIC.length);
  const sum = data.subarray(body.length + MAGIC.length);
  return magic.equals(MAGIC) && createHash('sha256').update(body).digest().equals(sum);
}

export interface WorldCheck {
  /** Files checked (region `.mca` and `.dat` files). */
  files: number;
  /** Paths (relative to the world) whose checksum trailer is missing or wrong. */
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
        if (!isWholeFile(readFileSync(path))) bad.push(relative(dir, path));
      }
    }
  };
  walk(dir);
  return { files, bad, ok: bad.length === 0 };
}
