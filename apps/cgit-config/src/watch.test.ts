import { describe, expect, it } from 'vitest';
import { isIgnored } from './watch.js';

describe('isIgnored', () => {
  it.each([
    ['/pool', false],
    ['/pool/dots.git', false],
    ['/pool/tools', false],
    ['/pool/dots.git/config', false],
    ['/pool/tools/fabric.git', false],
    ['/pool/tools/fabric.git/config', false],
    ['/pool/dots.git/objects', true],
    ['/pool/dots.git/refs', true],
    ['/pool/dots.git/config.lock', true],
    ['/pool/tools/fabric.git/objects', true],
    ['/pool/tools/fabric.git/HEAD', true],
    ['/pool/tools/fabric.git/objects/ab', true],
    ['/pool/.trash', true],
    ['/pool/.tmp/abc.git', true],
  ])('%s -> %s', (path, ignored) => {
    expect(isIgnored('/pool', path)).toBe(ignored);
  });
});
