import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOST, wiredEnds } from './model.js';
import type { Lab } from './schema.js';

/** A container name as the schema allows it. */
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
const labWith = (pairs: readonly (readonly [string, string])[]) =>
  ({ links: pairs.map(([a, b]) => ({ a: { end: a }, b: { end: b } })) }) as unknown as Lab;

describe('wiredEnds', () => {
  it('gives the host first, then each linked container once, in the order localeCompare gives their names', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(name, fc.constant(HOST)), name), { minLength: 1, maxLength: 12 }), (pairs) => {
        const containers = [...new Set(pairs.flat())].filter((e) => e !== HOST).sort((x, y) => x.localeCompare(y));
        const withHost = pairs.some((p) => p.includes(HOST));
        expect(wiredEnds(labWith(pairs))).toEqual(withHost ? [HOST, ...containers] : containers);
      }),
      { numRuns: 2000 },
    );
  });

  it('orders dashes before digits before letters, as names sort for a reader', () => {
    const lab = labWith([
      ['mc-server', 'mc2'],
      ['host', 'mc-map'],
      ['mcb', 'a9'],
    ]);
    expect(wiredEnds(lab)).toEqual([HOST, 'a9', 'mc-map', 'mc-server', 'mc2', 'mcb']);
  });
});
