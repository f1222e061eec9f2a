import { describe, expect, it } from 'vitest';
import { isIgnoredPath, isInputRoot, isRenderInput, mayContainInputs } from './world-paths.js';

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

describe('mayContainInputs / isIgnoredPath', () => {
  it.each([
    ['', true, false],
    ['DIM-1', true, false],
    ['DIM7', true, false],
    ['dimensions', true, false],
    ['dimensions/mymod', true, false],
    ['dimensions/mymod/mining', true, false],
    ['poi', false, true],
    ['datapacks', false, true],
    ['region', false, false],
    ['session.lock', false, true],
  ])('%s: may contain %s, ignored %s', (rel, may, ignored) => {
    expect(mayContainInputs(rel)).toBe(may);
    expect(isIgnoredPath(rel)).toBe(ignored);
  });

  it('ignores plain files outside input folders once stats say they are files', () => {
    expect(isIgnoredPath('dimensions/mymod/mining/level.dat', true)).toBe(true);
    expect(isIgnoredPath('dimensions/mymod/mining/level.dat')).toBe(false);
    expect(isIgnoredPath('region/r.0.0.mca', true)).toBe(false);
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
