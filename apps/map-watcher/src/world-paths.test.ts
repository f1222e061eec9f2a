import { describe, expect, it } from 'vitest';
import { isInputRoot, isRenderInput, mayContainInputs } from './world-paths.js';

describe('isRenderInput', () => {
  it.each([
    ['region', true],
    ['region/r.0.0.mca', true],
    ['entities/r.-1.2.mca', true],
    ['data/raids.dat', true],
    ['playerdata/0f1e.dat', true],
    ['DIM-1/region/r.0.0.mca', true],
    ['DIM1/entities/r.0.0.mca', true],
    ['DIM42/region', true],
    ['dimensions/mymod/mining/region/r.0.0.mca', true],
    ['dimensions/mymod/deep/nested/data/x.dat', true],
    ['session.lock', false],
    ['level.dat', false],
    ['level.dat_old', false],
    ['region/r.0.0.mca.tmp', false],
    ['playerdata/0f1e.dat_old', false],
    ['playerdata/0f1e-8273648172.dat', false],
    ['region/.r.0.0.mca.swp', false],
    ['region/r.0.0.mca~', false],
    ['poi/r.0.0.mca', false],
    ['stats/0f1e.json', false],
    ['advancements/0f1e.json', false],
    ['datapacks/pack/data/x.json', false],
    ['DIM-1/poi/r.0.0.mca', false],
    ['dimensions/mymod/region/r.0.0.mca', false],
    ['', false],
  ])('%s -> %s', (rel, expected) => {
    expect(isRenderInput(rel)).toBe(expected);
  });
});

describe('mayContainInputs', () => {
  it.each([
    ['', true],
    ['DIM-1', true],
    ['DIM7', true],
    ['dimensions', true],
    ['dimensions/mymod', true],
    ['dimensions/mymod/mining', true],
    ['poi', false],
    ['datapacks', false],
    ['region', false],
    ['session.lock', false],
    ['.git', false],
  ])('%s -> %s', (rel, expected) => {
    expect(mayContainInputs(rel)).toBe(expected);
  });
});

describe('isInputRoot', () => {
  it.each([
    ['region', true],
    ['DIM-1/entities', true],
    ['dimensions/mymod/mining/playerdata', true],
    ['region/r.0.0.mca', false],
    ['data/sub', false],
    ['poi', false],
    ['dimensions/mymod/region', false],
    ['', false],
  ])('%s -> %s', (rel, expected) => {
    expect(isInputRoot(rel)).toBe(expected);
  });
});
