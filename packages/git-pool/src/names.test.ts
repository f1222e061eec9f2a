import { describe, expect, it } from 'vitest';
import { checkRepoName, nameFromRelPath } from './names.js';

describe('checkRepoName', () => {
  it.each([
    ['foo', 'foo', undefined, 'foo.git'],
    ['foo.git', 'foo', undefined, 'foo.git'],
    ['dots', 'dots', undefined, 'dots.git'],
    ['my_repo-2.0', 'my_repo-2.0', undefined, 'my_repo-2.0.git'],
    ['tools/fabric', 'tools/fabric', 'tools', 'tools/fabric.git'],
    ['tools/fabric.git', 'tools/fabric', 'tools', 'tools/fabric.git'],
    ['0day', '0day', undefined, '0day.git'],
  ])('accepts %j', (raw, name, group, relPath) => {
    expect(checkRepoName(raw)).toEqual({ ok: true, name, group, relPath });
  });

  it.each([
    ['', /empty/],
    ['../x', /"\.\."/],
    ['a/../b', /"\.\."/],
    ['.hidden', /starts with a dot/],
    ['grp/.hidden', /starts with a dot/],
    ['-rf', /starts with a dot or a dash/],
    ['a/b/c', /more than one "\/"/],
    ['/abs', /empty part/],
    ['trailing/', /empty part/],
    ['a b', /only lowercase/],
    ['Upper', /only lowercase/],
    ['a\nb', /control character/],
    ['a\rrepo.url=x', /control character/],
    ['tab\there', /control character/],
    ['nul\u0000', /control character/],
    ['x'.repeat(300), /300 characters/],
    ['caf\u00e9', /only lowercase/],
    ['a=b', /only lowercase/],
    ['foo.git.git', /ends with "\.git"/],
    ['grp.git/foo', /ends with "\.git"/],
    ['foo.lock', /\.lock/],
    ['cgit.css', /reserved/],
    ['favicon.ico', /reserved/],
    ['.', /starts with a dot/],
    ['.git', /starts with a dot/],
  ])('refuses %j', (raw, reason) => {
    const check = checkRepoName(raw);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });
});

describe('nameFromRelPath', () => {
  it('maps pool paths to names and drops the ones breaking the rules', () => {
    expect(nameFromRelPath('foo.git')).toBe('foo');
    expect(nameFromRelPath('grp/foo.git')).toBe('grp/foo');
    expect(nameFromRelPath('handmade')).toBe('handmade');
    expect(nameFromRelPath('Has Space.git')).toBeUndefined();
  });
});
