import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, useCleanup } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { configBool, GitConfigSyntaxError, parseGitConfig } from './git-config.js';

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

describe('parseGitConfig reads what git reads, and refuses what git refuses', () => {
  /** git's own reading of `text`: key -> last value (true for a bare key), or 'error'. */
  const gitReads = (dir: string, text: string) => {
    const file = join(dir, 'config');
    writeFileSync(file, text);
    try {
      const out = execFileSync('git', ['config', '--file', file, '--list', '-z'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const map = new Map<string, string | true>();
      for (const entry of out.split('\0').filter(Boolean)) {
        const nl = entry.indexOf('\n');
        if (nl < 0) map.set(entry, true);
        else map.set(entry.slice(0, nl), entry.slice(nl + 1));
      }
      return map;
    } catch {
      return 'error';
    }
  };
  const ours = (text: string) => {
    try {
      return new Map(parseGitConfig(text));
    } catch (error) {
      expect(error).toBeInstanceOf(GitConfigSyntaxError);
      return 'error';
    }
  };

  it.each([
    '[cgit]\n\tignore = true\n',
    '[CGIT]\n\tIgnore\n',
    '[cgit]ignore\n',
    '[cgit] # comment\nignore = yes\n',
    '[ cgit]\nignore\n',
    '[cgit ]\nignore = 1\n',
    '[cgit\n\tignore = true\n',
    '[cgit]\n\tignore # no equals sign\n',
    '[cgit]\n\tignore = "true\n',
    '[cgit]\n\tignore = "a\\qb"\n',
    '[cgit]\n\tignore = b"c\n',
    '[cgit]\n 9a = 1\n',
    '[cgit]\n-a = 1\n',
    '[c_g]\na = 1\n',
    '[cgit "a"b]\na = 1\n',
    '[cgit "x\\y"]\na = 1\n',
    '[cgit.Sub]\na = 1\n',
    '[cgit]\na = 1 \\\n 2\n',
    '[cgit]\na = one \t two  \n',
    '[cgit]\na = 1\r\n',
    '\ufeff[cgit]\nignore = on\n',
    '[cgit]\na = x\\',
    '[cgit]\na =\n',
    '[cgit]\n[\n',
    '[]\na = 1\n',
    'key = 1\n',
    '[cgit]\n\tignore = "tr""ue" ; comment\n',
    '[include]\n\tpath = other\n[includeIf "gitdir:/x/"]\n\tpath = y\n',
  ])('%j', async (text) => {
    const dir = await makeTempDir('git-config-');
    expect(ours(text)).toEqual(gitReads(dir, text));
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
