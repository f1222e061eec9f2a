import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, useCleanup } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { configBool, parseGitConfig } from './git-config.js';

useCleanup();

describe('parseGitConfig', () => {
  it('reads sections, subsections, quotes, escapes, comments and bare keys', () => {
    const config = parseGitConfig(
      [
        '# comment',
        '[core]',
        '\tbare = true ; trailing comment',
        '[Remote "Origin"]',
        '  url = "a b"  # quoted spaces',
        '[gitweb]',
        '\tdescription = "tab\\there \\"quoted\\" back\\\\slash" and  more ',
        '\tdescription = last wins',
        '[cgit]',
        '\tignore',
        '[x] inline = 1',
        '[y]',
        '\tlong = one \\',
        'two',
      ].join('\n'),
    );
    expect(config.get('core.bare')).toBe('true');
    expect(config.get('remote.Origin.url')).toBe('a b');
    expect(config.get('gitweb.description')).toBe('last wins');
    expect(config.get('cgit.ignore')).toBe(true);
    expect(config.get('x.inline')).toBe('1');
    expect(config.get('y.long')).toBe('one two');
  });

  it('reads back exactly what real `git config` wrote, hostile values included', async () => {
    const dir = await makeTempDir('git-config-');
    const file = join(dir, 'config');
    writeFileSync(file, '');
    const values = [
      'plain words',
      '  leading and trailing  ',
      'semi;colon #hash "quotes" back\\slash',
      'line one\nrepo.url=evil\nrepo.path=/etc',
      'tab\there and \u00e9 unicode',
      '=starts with equals',
    ];
    for (const [i, value] of values.entries()) {
      execFileSync('git', ['config', '--file', file, `test.key${i}`, value]);
    }
    const parsed = parseGitConfig(readFileSync(file, 'utf8'));
    for (const [i, value] of values.entries()) {
      const viaGit = execFileSync('git', ['config', '--file', file, '--get', `test.key${i}`], { encoding: 'utf8' }).replace(/\n$/, '');
      expect(viaGit).toBe(value);
      expect(parsed.get(`test.key${i}`)).toBe(value);
    }
  });
});

describe('configBool', () => {
  it.each([
    [true, true],
    ['yes', true],
    ['On', true],
    ['1', true],
    ['false', false],
    ['no', false],
    ['0', false],
    ['', false],
    ['maybe', undefined],
    [undefined, undefined],
  ] as const)('%j -> %j', (input, expected) => {
    expect(configBool(input)).toBe(expected);
  });
});
