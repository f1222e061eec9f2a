import { RconError } from './errors.js';

/** Packet types as vanilla Minecraft uses them. */
export const PacketType = {
  /** Server -> client: a (fragment of a) command response. */
  RESPONSE: 0,
  /** Client -> server: a command; server -> client: the login reply. */
  COMMAND: 2,
  /** Client -> server: login with the password as payload. */
  LOGIN: 3,
} as const;

/** The type our client sends as an end-of-response probe: vanilla answers `Unknown request 64`. */
export const PROBE_TYPE = 100;

/** The vanilla server reads requests into a 1460-byte buffer: 14 bytes of framing + payload. */
export const MAX_REQUEST_PAYLOAD = 1446;
/** Responses are split every 4096 Java chars (UTF-16 code units). */
export const RESPONSE_FRAGMENT_CHARS = 4096;
/** id + type + two NUL bytes: the smallest possible value of the length field. */
export const MIN_PACKET_LENGTH = 10;
/** A 4096-char fragment is at most 3 UTF-8 bytes per char: the largest legitimate response packet. */
export const MAX_RESPONSE_PACKET_LENGTH = RESPONSE_FRAGMENT_CHARS * 3 + MIN_PACKET_LENGTH;

export interface Packet {
  id: number;
  type: number;
  /** The payload decoded as UTF-8 (the two trailing NUL bytes removed). */
  payload: string;
  /** The payload's size in bytes on the wire. */
  payloadBytes: number;
}

/** Frames one packet: int32 LE length, int32 LE id, int32 LE type, payload, 0x00 0x00. */
export function encodePacket(id: number, type: number, payload: string | Uint8Array = ''): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
  const out = Buffer.alloc(4 + MIN_PACKET_LENGTH + body.length);
  out.writeInt32LE(MIN_PACKET_LENGTH + body.length, 0);
  out.writeInt32LE(id, 4);
  out.writeInt32LE(type, 8);
  body.copy(out, 12);
  return out;
}

export interface DecoderOptions {
  /** Largest accepted value of the length field; a larger one is a protocol error. */
  maxPacketLength?: number;
}

/**
 * Incremental decoder: feed it whatever the socket delivered, get whole packets back.
 * Throws RconError('PROTOCOL') on a length field below 10 or above the limit (e.g. garbage bytes,
 * or 2^31): the stream cannot be resynchronised after that, so the caller drops the connection.
 */
export class PacketDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly maxPacketLength: number;

  constructor(opts: DecoderOptions = {}) {
    this.maxPacketLength = opts.maxPacketLength ?? MAX_RESPONSE_PACKET_LENGTH;
  }

  /** Bytes received that do not yet form a whole packet. */
  get pending(): number {
    return this.buffer.length;
  }

  push(chunk: Uint8Array): Packet[] {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    const packets: Packet[] = [];
    for (;;) {
      if (this.buffer.length < 4) break;
      const length = this.buffer.readInt32LE(0);
      if (length < MIN_PACKET_LENGTH || length > this.maxPacketLength) {
        this.buffer = Buffer.alloc(0);
        throw new RconError(
          'PROTOCOL',
          `bad RCON length field ${length}: expected ${MIN_PACKET_LENGTH}-${this.maxPacketLength} (not an RCON peer, or a packet too large)`,
        );
      }
      if (this.buffer.length < 4 + length) break;
      const id = this.buffer.readInt32LE(4);
      const type = this.buffer.readInt32LE(8);
      // The payload ends at the first of the two trailing NULs; be lenient about their content.
      const payloadBytes = length - MIN_PACKET_LENGTH;
      const payload = this.buffer.toString('utf8', 12, 12 + payloadBytes);
      packets.push({ id, type, payload, payloadBytes });
      this.buffer = this.buffer.subarray(4 + length);
    }
    return packets;
  }
}

/** Splits a response the way vanilla does: every 4096 UTF-16 code units; an empty text is one empty fragment. */
export function splitResponse(text: string, fragmentChars = RESPONSE_FRAGMENT_CHARS): string[] {
  if (text.length === 0) return [''];
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += fragmentChars) parts.push(text.slice(i, i + fragmentChars));
  return parts;
}
