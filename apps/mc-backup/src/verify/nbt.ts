/**
 * A strict NBT reader (Java Edition, big-endian), as the game reads a file: every length is checked
 * against what is left, nesting is bounded (vanilla: 512), and a file must end where its root tag
 * ends. Arrays are kept as views (no copy), so a multi-MiB chunk costs one pass.
 */
export type NbtValue = number | bigint | string | Buffer | NbtValue[] | NbtCompound;
export interface NbtCompound {
  [key: string]: { type: number; value: NbtValue };
}

export class NbtError extends Error {
  override readonly name = 'NbtError';
}

const MAX_DEPTH = 512;
const TAG_NAMES = [
  'End',
  'Byte',
  'Short',
  'Int',
  'Long',
  'Float',
  'Double',
  'ByteArray',
  'String',
  'List',
  'Compound',
  'IntArray',
  'LongArray',
];

export interface NbtRoot {
  name: string;
  value: NbtCompound;
}

/** Parses a whole uncompressed NBT document whose root is a compound; throws NbtError on anything else. */
export function parseNbt(data: Buffer): NbtRoot {
  const reader = new Reader(data);
  const type = reader.u8();
  if (type !== 10) throw new NbtError(`root tag is ${TAG_NAMES[type] ?? type}, expected a Compound`);
  const name = reader.string();
  const value = reader.payload(10, 0) as NbtCompound;
  if (reader.offset !== data.length) throw new NbtError(`${data.length - reader.offset} bytes after the root tag`);
  return { name, value };
}

class Reader {
  offset = 0;
  constructor(private readonly data: Buffer) {}

  private need(n: number, what: string): void {
    if (n < 0 || this.offset + n > this.data.length) {
      throw new NbtError(`${what} needs ${n} bytes at offset ${this.offset}, only ${this.data.length - this.offset} left`);
    }
  }

  u8(): number {
    this.need(1, 'a tag type');
    return this.data[this.offset++] as number;
  }

  string(): string {
    this.need(2, 'a string length');
    const length = this.data.readUInt16BE(this.offset);
    this.offset += 2;
    this.need(length, 'a string');
    const text = this.data.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return text;
  }

  private array(width: number, what: string): Buffer {
    this.need(4, `a ${what} length`);
    const count = this.data.readInt32BE(this.offset);
    this.offset += 4;
    if (count < 0) throw new NbtError(`negative ${what} length ${count}`);
    this.need(count * width, what);
    const view = this.data.subarray(this.offset, this.offset + count * width);
    this.offset += count * width;
    return view;
  }

  payload(type: number, depth: number): NbtValue {
    if (depth > MAX_DEPTH) throw new NbtError(`nested deeper than ${MAX_DEPTH}`);
    const d = this.data;
    switch (type) {
      case 1:
        this.need(1, 'a Byte');
        return d.readInt8(this.offset++);
      case 2:
        this.need(2, 'a Short');
        this.offset += 2;
        return d.readInt16BE(this.offset - 2);
      case 3:
        this.need(4, 'an Int');
        this.offset += 4;
        return d.readInt32BE(this.offset - 4);
      case 4:
        this.need(8, 'a Long');
        this.offset += 8;
        return d.readBigInt64BE(this.offset - 8);
      case 5:
        this.need(4, 'a Float');
        this.offset += 4;
        return d.readFloatBE(this.offset - 4);
      case 6:
        this.need(8, 'a Double');
        this.offset += 8;
        return d.readDoubleBE(this.offset - 8);
      case 7:
        return this.array(1, 'ByteArray');
      case 8:
        return this.string();
      case 9: {
        const of = this.u8();
        this.need(4, 'a List length');
        const count = d.readInt32BE(this.offset);
        this.offset += 4;
        if (count < 0) throw new NbtError(`negative List length ${count}`);
        if (count > 0 && (of === 0 || of > 12)) throw new NbtError(`List of unknown tag type ${of}`);
        // Every element takes at least one byte (except End, refused above): a bound before the loop.
        this.need(count, 'a List');
        const items: NbtValue[] = [];
        for (let i = 0; i < count; i++) items.push(this.payload(of, depth + 1));
        return items;
      }
      case 10: {
        const compound: NbtCompound = Object.create(null);
        for (;;) {
          const tag = this.u8();
          if (tag === 0) return compound;
          if (tag > 12) throw new NbtError(`unknown tag type ${tag} at offset ${this.offset - 1}`);
          const key = this.string();
          compound[key] = { type: tag, value: this.payload(tag, depth + 1) };
        }
      }
      case 11:
        return this.array(4, 'IntArray');
      case 12:
        return this.array(8, 'LongArray');
      default:
        throw new NbtError(`unknown tag type ${type}`);
    }
  }
}

/** The tag type names, for messages. */
export function tagName(type: number): string {
  return TAG_NAMES[type] ?? String(type);
}
