import { gzipSync } from 'node:zlib';
import { buildLevelDat, buildMapDat, nbt } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { levelDatProblems, readGzipNbt } from './dat-file.js';

describe('level.dat and other .dat files', () => {
  it('passes level.dat and map files as vanilla writes them', () => {
    expect(levelDatProblems(buildLevelDat('world'))).toEqual([]);
    expect('root' in readGzipNbt(buildMapDat(0))).toBe(true);
  });

  it('fails a truncated level.dat, one without Data, one with a tag of the wrong type', () => {
    const good = buildLevelDat('world');
    expect(levelDatProblems(good.subarray(0, good.length - 20))).toEqual([expect.stringMatching(/^is not a whole gzip stream \(/)]);
    expect(levelDatProblems(gzipSync(nbt.encodeNbt({ Other: nbt.int(1) })))).toEqual(['has no Data compound (root tags: Other)']);
    const wrong = gzipSync(nbt.encodeNbt({ Data: nbt.compound({ DataVersion: nbt.str('x'), LevelName: nbt.str('w') }) }));
    expect(levelDatProblems(wrong)).toEqual(['Data.DataVersion is a String, expected Int', 'Data has no version']);
    expect(levelDatProblems(Buffer.from('not gzip'))).toEqual([expect.stringMatching(/^is not a whole gzip stream/)]);
  });
});
