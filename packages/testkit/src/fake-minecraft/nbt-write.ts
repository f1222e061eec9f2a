/**
 * A small NBT writer (big-endian, as Java Edition stores it): enough for the fake's level.dat, map
 * files and chunks. Arrays of longs/ints are taken as raw big-endian bytes, so multi-MiB chunks of
 * noise cost one copy.
 */
export type Tag =
  | { t: 1 | 2 | 3 | 5 | 6; v: number }
  | { t: 4; v: bigint }
  | { t: 7 | 11 | 12; v: Buffer }
  | { t: 8; v: string }
  | { t: 9; of: number; v: Tag[] }
  | { t: 10; v: Record<string, Tag> };

export const byte = (v: number): Tag => ({ t: 1, v });
export const short = (v: number): Tag => ({ t: 2, v });
export const int = (v: number): Tag => ({ t: 3, v });
export const long = (v: bigint | number): Tag => ({ t: 4, v: BigInt(v) });
export const float = (v: number): Tag => ({ t: 5, v });
export const double = (v: number): Tag => ({ t: 6, v });
export const byteArray = (v: Buffer): Tag => ({ t: 7, v });
export const str = (v: string): Tag => ({ t: 8, v });
export const list = (of: number, v: Tag[]): Tag => ({ t: 9, of, v });
export const compound = (v: Record<string, Tag>): Tag => ({ t: 10, v });
/** Raw big-endian words: length must be a multiple of 4 (int array) or 8 (long array). */
export const intArray = (v: Buffer): Tag => ({ t: 11, v });
export const longArray = (v: Buffer): Tag => ({ t: 12, v });

/** The whole file: a named root compound (vanilla names it ""). */
export function encodeNbt(root: Record<string, Tag>, name = ''): Buffer {
  const parts: Buffer[] = [Buffer.from([10]), stringBytes(name)];
  payload(compound(root), parts);
  return Buffer.concat(parts);
}

function stringBytes(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  const head = Buffer.alloc(2);
  head.writeUInt16BE(body.length);
  return Buffer.concat([head, body]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function payload(tag: Tag, out: Buffer[]): void {
  switch (tag.t) {
    case 1:
      out.push(Buffer.from([tag.v & 0xff]));
      return;
    case 2: {
      const b = Buffer.alloc(2);
      b.writeInt16BE(tag.v);
      out.push(b);
      return;
    }
    case 3:
      out.push(u32(tag.v));
      return;
    case 4: {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(tag.v);
      out.push(b);
      return;
    }
    case 5: {
      const b = Buffer.alloc(4);
      b.writeFloatBE(tag.v);
      out.push(b);
      return;
    }
    case 6: {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(tag.v);
      out.push(b);
      return;
    }
    case 7:
      out.push(u32(tag.v.length), tag.v);
      return;
    case 11:
      out.push(u32(tag.v.length / 4), tag.v);
      return;
    case 12:
      out.push(u32(tag.v.length / 8), tag.v);
      return;
    case 8:
      out.push(stringBytes(tag.v));
      return;
    case 9:
      out.push(Buffer.from([tag.v.length === 0 ? 0 : tag.of]), u32(tag.v.length));
      for (const item of tag.v) payload(item, out);
      return;
    case 10:
      for (const [key, value] of Object.entries(tag.v)) {
        out.push(Buffer.from([value.t]), stringBytes(key));
        payload(value, out);
      }
      out.push(Buffer.from([0]));
      return;
  }
}
