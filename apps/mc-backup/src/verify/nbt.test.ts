import { nbt } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { parseNbt } from './nbt.js';

describe('parseNbt', () => {
  it('reads what the fake writes, every tag type', () => {
    const doc = nbt.encodeNbt(
      {
        b: nbt.byte(-1),
        s: nbt.short(300),
        i: nbt.int(-70000),
        l: nbt.long(2n ** 40n),
        f: nbt.float(1.5),
        d: nbt.double(2.25),
        ba: nbt.byteArray(Buffer.from([1, 2, 3])),
        str: nbt.str('Wörld'),
        list: nbt.list(3, [nbt.int(1), nbt.int(2)]),
        empty: nbt.list(10, []),
        c: nbt.compound({ x: nbt.int(7) }),
        ia: nbt.intArray(Buffer.alloc(8)),
        la: nbt.longArray(Buffer.alloc(16)),
      },
      'root',
    );
    const { name, value } = parseNbt(doc);
    expect(name).toBe('root');
    expect(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v.type]))).toEqual({
      b: 1,
      s: 2,
      i: 3,
      l: 4,
      f: 5,
      d: 6,
      ba: 7,
      str: 8,
      list: 9,
      empty: 9,
      c: 10,
      ia: 11,
      la: 12,
    });
    expect([value.b?.value, value.s?.value, value.i?.value, value.l?.value, value.f?.value, value.str?.value]).toEqual([
      -1,
      300,
      -70000,
      2n ** 40n,
      1.5,
      'Wörld',
    ]);
    expect(value.la?.value).toEqual(Buffer.alloc(16));
  });

  it.each([
    ['a cut document', (d: Buffer) => d.subarray(0, d.length - 3), /needs \d+ bytes/],
    ['bytes after the root', (d: Buffer) => Buffer.concat([d, Buffer.from([0])]), /1 bytes after the root tag/],
    ['a root that is not a compound', () => Buffer.from([8, 0, 0, 0, 1, 65]), /root tag is String/],
    ['a huge array length', () => Buffer.from([10, 0, 0, 7, 0, 1, 97, 0x7f, 0xff, 0xff, 0xff, 0]), /ByteArray needs 2147483647 bytes/],
    ['a negative list length', () => Buffer.from([10, 0, 0, 9, 0, 1, 97, 3, 0xff, 0xff, 0xff, 0xff, 0]), /negative List length/],
    ['an unknown tag type', () => Buffer.from([10, 0, 0, 13, 0, 0, 0]), /unknown tag type 13/],
  ])('refuses %s', (_what, make, expected) => {
    const doc = nbt.encodeNbt({ a: nbt.int(1), s: nbt.str('xyz') });
    expect(() => parseNbt(make(doc))).toThrow(expected);
  });

  it('refuses nesting deeper than 512 (as vanilla) without overflowing the stack', () => {
    let tag = nbt.compound({});
    for (let i = 0; i < 600; i++) tag = nbt.list(tag.t, [tag]);
    expect(() => parseNbt(nbt.encodeNbt({ deep: tag }))).toThrow(/nested deeper than 512/);
  });
});
