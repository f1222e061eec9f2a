import type { PoolRepo } from '@homelab/git-pool';
import { describe, expect, it } from 'vitest';
import { defaultCgitrcSettings, renderCgitrc } from './render-cgitrc.js';

const repo = (name: string, over: Partial<PoolRepo> = {}): PoolRepo => ({
  name,
  group: name.includes('/') ? name.split('/')[0] : undefined,
  path: `/pool/${name}.git`,
  private: false,
  description: '',
  owner: '',
  ...over,
});

const settings = { ...defaultCgitrcSettings, pool: '/pool' };
const directives = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

describe('renderCgitrc', () => {
  it('writes the globals before any repo and entries for public repos only', () => {
    const text = renderCgitrc(
      [repo('a'), repo('g/b'), repo('secret', { private: true }), repo('g/hidden', { private: true }), repo('c')],
      settings,
    );
    const lines = directives(text);
    const firstRepo = lines.findIndex((l) => l.startsWith('repo.'));
    for (const global of [
      'virtual-root=/',
      'enable-http-clone=1',
      `about-filter=${settings.aboutFilter}`,
      'readme=:README.md',
      'cache-size=0',
    ]) {
      expect(lines.indexOf(global)).toBeGreaterThanOrEqual(0);
      expect(lines.indexOf(global)).toBeLessThan(firstRepo);
    }
    expect(lines.filter((l) => l.startsWith('repo.url='))).toEqual(['repo.url=a', 'repo.url=c', 'repo.url=g/b']);
    expect(text).not.toContain('secret');
    expect(text).not.toContain('hidden');
    expect(lines).toContain('repo.section=g');
    expect(lines.some((l) => l.startsWith('section='))).toBe(false);
  });

  it.each([
    ['newline', 'x\nrepo.url=evil\nrepo.path=/etc'],
    ['carriage return', 'x\rrepo.url=evil'],
    ['include', 'x\ninclude=/etc/passwd'],
    ['NUL', 'x\u0000\nrepo.url=evil'],
    ['unicode line separator', 'x\u2028repo.url=evil'],
    ['vertical tab and form feed', 'x\u000b\u000crepo.url=evil'],
  ])('keeps hostile metadata on one line (%s)', (_label, hostile) => {
    const text = renderCgitrc([repo('a', { description: hostile, owner: hostile })], settings);
    const lines = text.split('\n');
    expect(lines.filter((l) => l.startsWith('repo.url='))).toEqual(['repo.url=a']);
    expect(lines.filter((l) => l.startsWith('repo.path='))).toEqual(['repo.path=/pool/a.git']);
    expect(lines.filter((l) => l.startsWith('include'))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('repo.desc='))).toHaveLength(1);
    expect(text).not.toMatch(/[\u0000\u000b\u000c\r\u2028]/);
  });

  it('never writes a line without "=" (cgit stops reading its config at one)', () => {
    const text = renderCgitrc([repo('a', { description: 'no equals\nhere' })], settings);
    for (const line of text.split('\n')) expect(line === '' || line.startsWith('#') || line.includes('=')).toBe(true);
  });

  it('caps long descriptions and shows owners only when some repo has one', () => {
    const long = renderCgitrc([repo('a', { description: 'd'.repeat(1000) })], settings);
    expect(long.split('\n').find((l) => l.startsWith('repo.desc='))?.length).toBeLessThanOrEqual(210);
    expect(long).toContain('enable-index-owner=0');
    expect(renderCgitrc([repo('a', { owner: 'liam' })], settings)).toContain('enable-index-owner=1');
  });
});
