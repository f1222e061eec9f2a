import { describe, expect, it } from 'vitest';
import { checkAbsolutePath, checkRelativePath, isWithin } from './safe-path.js';

describe('the safe path grammar', () => {
  it.each([
    ['/srv/storage', undefined],
    ['/zfs/storage/a_b-c.d@1', undefined],
    ['/', undefined],
    ['srv', 'expected an absolute path'],
    ['/srv/', 'expected no trailing /'],
    ['/srv/../etc', 'bad path component'],
    ['/srv/./x', 'bad path component'],
    ['/srv//x', 'bad path component'],
    ['/srv/.hidden', 'bad path component'],
    ['/srv/a b', 'bad path component'],
    ['/srv/x\n', 'bad path component'],
    ['/srv/"x"', 'bad path component'],
  ])('absolute path %j', (path, problem) => {
    const got = checkAbsolutePath(path);
    if (problem === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(problem);
  });

  it.each([
    ['', undefined],
    ['fotografija/inbox', undefined],
    ['/abs', 'expected a path relative to its base folder'],
    ['../backup', 'bad path component'],
    ['a/..', 'bad path component'],
    ['a/./b', 'bad path component'],
    ['a//b', 'bad path component'],
    ['a/', 'no trailing /'],
    ['a\\b', 'bad path component'],
    ['a b', 'bad path component'],
  ])('relative path %j', (path, problem) => {
    const got = checkRelativePath(path);
    if (problem === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(problem);
  });

  it('isWithin compares whole components', () => {
    expect(isWithin('/srv/storage', '/srv/storage')).toBe(true);
    expect(isWithin('/srv/storage/x', '/srv/storage')).toBe(true);
    expect(isWithin('/srv/storage2', '/srv/storage')).toBe(false);
    expect(isWithin('/anything', '/')).toBe(true);
  });
});
