import { describe, expect, it } from 'vitest';
import { needsInitialRender } from './initial-render.js';

describe('needsInitialRender', () => {
  it.each([
    ['no published map', undefined, 100, true],
    ['no published map, empty world', undefined, undefined, true],
    ['map older than the world', 100, 101, true],
    ['map as new as the world', 100, 100, false],
    ['map newer than the world', 100, 50, false],
    ['world without inputs', 100, undefined, false],
  ])('%s', (_name, publishedSourceTime, newestInputTime, expected) => {
    expect(needsInitialRender({ publishedSourceTime, newestInputTime })).toBe(expected);
  });
});
