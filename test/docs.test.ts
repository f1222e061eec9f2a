// The design lives in the repo (issue 13): no document links out of the repository, and the
// set-up commands need no sudo (they run as root).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';

const apps = readdirSync(join(repoRoot, 'apps')).filter((a) => existsSync(join(repoRoot, 'apps', a, 'package.json')));
const docs = [
  'README.md',
  ...readdirSync(join(repoRoot, 'docs')).map((f) => `docs/${f}`),
  ...apps.map((a) => `apps/${a}/README.md`),
  ...readdirSync(join(repoRoot, 'packages')).map((p) => `packages/${p}/README.md`),
  'containerfiles/README.md',
].filter((p) => existsSync(join(repoRoot, p)));

/** Markdown links that leave the repository: a URL, or a relative path that resolves outside it. */
function linksOut(path: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1] as string;
    if (/^[a-z]+:/i.test(target)) out.push(`${path}: ${target}`);
    else if (!target.startsWith('#') && relative(repoRoot, resolve(dirname(join(repoRoot, path)), target)).startsWith('..')) {
      out.push(`${path}: ${target}`);
    }
  }
  return out;
}

describe('docs', () => {
  it('no document links out of the repository, and none asks for sudo', () => {
    const problems = docs.flatMap((path) => {
      const text = readFileSync(join(repoRoot, path), 'utf8');
      return [...linksOut(path, text), ...(/\bsudo\b/.test(text) ? [`${path}: sudo`] : [])];
    });
    expect(problems).toEqual([]);
    expect(linksOut('README.md', 'see [x](https://example.org) and [y](../shared/DESIGN.md) and [z](docs/design.md)')).toEqual([
      'README.md: https://example.org',
      'README.md: ../shared/DESIGN.md',
    ]);
  });
});
