import { describe, expect, it } from 'vitest';
import { BCRYPT_HASH, checkListenAddress, SECRET_KEY, SHARE_NAME, sharePath, UI_NAME } from './grammar.js';

const HASH = '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234';

describe('grammars', () => {
  it.each([
    ['storage', true],
    ['photo-inbox_2', true],
    ['Storage', false],
    ['1st', false],
    ['a b', false],
    ['x"y', false],
    ['a'.repeat(33), false],
    ['', false],
  ])('share name %j -> %s', (name, ok) => {
    expect(SHARE_NAME.test(name)).toBe(ok);
  });

  it.each([
    ['isidore', true],
    ['Isidore datastore 1.0', true],
    [' leading', false],
    ['a"b', false],
    ['line\nbreak', false],
    ['<script>', false],
  ])('ui name %j -> %s', (name, ok) => {
    expect(UI_NAME.test(name)).toBe(ok);
  });

  it.each([
    [HASH, true],
    [HASH.replace('$2b$', '$2y$'), true],
    [HASH.replace('$10$', '$03$'), false],
    [HASH.slice(0, -1), false],
    [`${HASH}\n`, false],
    [HASH.replace('A', '"'), false],
    ['plain-password', false],
  ])('bcrypt hash %j -> %s', (hash, ok) => {
    expect(BCRYPT_HASH.test(hash)).toBe(ok);
  });

  it('secret keys are 16 letters or digits', () => {
    expect(SECRET_KEY.test('abcdefghij123456')).toBe(true);
    expect(SECRET_KEY.test('abcdefghij12345')).toBe(false);
    expect(SECRET_KEY.test('abcdefghij12345"')).toBe(false);
  });

  it('joins share paths', () => {
    expect(sharePath('/srv/storage', '')).toBe('/srv/storage');
    expect(sharePath('/srv/storage', 'a/b')).toBe('/srv/storage/a/b');
    expect(sharePath('/', 'a')).toBe('/a');
  });

  it.each([
    ['10.1.3.1', undefined],
    ['127.0.0.1', undefined],
    ['0.0.0.0', 'every interface'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['169.254.1.1', 'link-local'],
  ])('listen address %s', (ip, problem) => {
    const got = checkListenAddress(ip);
    if (problem === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(problem);
  });
});
