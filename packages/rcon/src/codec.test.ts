import { describe, expect, it } from 'vitest';
import { encodePacket, MAX_RESPONSE_PACKET_LENGTH, PacketDecoder, splitResponse } from './codec.js';
import { RconError } from './errors.js';

describe('encodePacket', () => {
  it('frames length, id, type, payload and two NULs in little endian', () => {
    const buf = encodePacket(7, 2, 'list');
    expect(buf.length).toBe(4 + 10 + 4);
    expect(buf.readInt32LE(0)).toBe(14);
    expect(buf.readInt32LE(4)).toBe(7);
    expect(buf.readInt32LE(8)).toBe(2);
    expect(buf.toString('utf8', 12, 16)).toBe('list');
    expect([...buf.subarray(16)]).toEqual([0, 0]);
  });

  it('counts the payload in UTF-8 bytes', () => {
    expect(encodePacket(1, 0, 'é€').readInt32LE(0)).toBe(10 + 5);
  });
});

describe('PacketDecoder', () => {
  it('reassembles packets split at any byte and several in one chunk', () => {
    const wire = Buffer.concat([encodePacket(1, 0, 'hello'), encodePacket(2, 0, 'wörld'), encodePacket(-1, 2, '')]);
    for (let step = 1; step <= wire.length; step++) {
      const decoder = new PacketDecoder();
      const got = [];
      for (let i = 0; i < wire.length; i += step) got.push(...decoder.push(wire.subarray(i, i + step)));
      expect(got.map((p) => [p.id, p.type, p.payload])).toEqual([
        [1, 0, 'hello'],
        [2, 0, 'wörld'],
        [-1, 2, ''],
      ]);
      expect(decoder.pending).toBe(0);
    }
  });

  it('refuses a length field of 2^31, garbage bytes and a too short length', () => {
    const huge = Buffer.alloc(8);
    huge.writeUInt32LE(2 ** 31, 0);
    expect(() => new PacketDecoder().push(huge)).toThrow(RconError);
    expect(() => new PacketDecoder().push(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow(/bad RCON length field/);
    const short = Buffer.alloc(8);
    short.writeInt32LE(4, 0);
    expect(() => new PacketDecoder().push(short)).toThrow(/bad RCON length field 4/);
  });

  it('applies the configured maximum', () => {
    const decoder = new PacketDecoder({ maxPacketLength: 20 });
    expect(() => decoder.push(encodePacket(1, 2, 'x'.repeat(11)))).toThrow(/expected 10-20/);
    expect(new PacketDecoder().push(encodePacket(1, 0, '€'.repeat(4096)))[0]?.payloadBytes).toBe(MAX_RESPONSE_PACKET_LENGTH - 10);
  });
});

describe('splitResponse', () => {
  it('splits every 4096 chars and keeps an empty response as one fragment', () => {
    expect(splitResponse('')).toEqual(['']);
    expect(splitResponse('a'.repeat(4096)).map((s) => s.length)).toEqual([4096]);
    expect(splitResponse('ü'.repeat(10000)).map((s) => s.length)).toEqual([4096, 4096, 1808]);
  });
});
