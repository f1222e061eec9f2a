/** Minecraft's wire format for the first packets of a connection: VarInts, strings, frames. */

export function varInt(value: number): Buffer {
  const bytes: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (v !== 0);
  return Buffer.from(bytes);
}

/** Reads a VarInt at `at`; undefined when the buffer ends inside it. Throws past 5 bytes. */
export function tryVarInt(buf: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const byte = buf[at + i];
    if (byte === undefined) return undefined;
    value |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) === 0) return { value: value | 0, next: at + i + 1 };
  }
  throw new Error('VarInt longer than 5 bytes');
}

export function readVarInt(buf: Buffer, at: number): { value: number; next: number } {
  const r = tryVarInt(buf, at);
  if (!r) throw new Error('truncated VarInt');
  return r;
}

export function writeString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([varInt(bytes.length), bytes]);
}

export function readString(buf: Buffer, at: number): { value: string; next: number } {
  const len = readVarInt(buf, at);
  const end = len.next + len.value;
  if (len.value < 0 || end > buf.length) throw new Error('truncated string');
  return { value: buf.toString('utf8', len.next, end), next: end };
}

/** One packet: VarInt length (of id + body), VarInt id, body. */
export function encodeFrame(id: number, body: Buffer): Buffer {
  const payload = Buffer.concat([varInt(id), body]);
  return Buffer.concat([varInt(payload.length), payload]);
}

/** The first whole frame of `buf` (and its size in bytes), undefined while incomplete. */
export function decodeFrame(buf: Buffer, max: number): { id: number; body: Buffer; size: number } | undefined {
  const len = tryVarInt(buf, 0);
  if (!len) return undefined;
  if (len.value <= 0 || len.value > max) throw new Error(`bad frame length ${len.value}`);
  if (buf.length < len.next + len.value) return undefined;
  const frame = buf.subarray(len.next, len.next + len.value);
  const id = readVarInt(frame, 0);
  return { id: id.value, body: frame.subarray(id.next), size: len.next + len.value };
}
