import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useCleanup } from '@homelab/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { get, indexRepos, makePool, type Pool, renderOnce, startLighttpd } from './web-fixture.js';

// Privacy is whatever git itself reads from a repo's config: each repo below sets `cgit.ignore` in
// one of the ways git accepts (or breaks its config), and git's own answer decides what must be
// served. One pool, one render, one real cgit under lighttpd.
useCleanup('all');

type Setup = (p: Pool, repo: string) => Promise<void>;
const set =
  (value: string): Setup =>
  (p, repo) =>
    p.git(['config', '--file', join(repo, 'config'), 'cgit.ignore', value]).then(() => {});
const raw =
  (text: string): Setup =>
  (_p, repo) =>
    appendFile(join(repo, 'config'), text);
const viaInclude =
  (include: string): Setup =>
  async (_p, repo) => {
    await writeFile(join(repo, 'hidden.inc'), '[cgit]\n\tignore = true\n');
    await appendFile(join(repo, 'config'), include.replace('REPO', repo));
  };

const CASES: Record<string, Setup> = {
  plain: async () => {},
  'set-false': set('FALSE'),
  'set-off': set('off'),
  'set-upper': set('TRUE'),
  'set-yes': set('Yes'),
  'set-on': set('ON'),
  'set-one': set('1'),
  'set-two': set('2'),
  'bare-key': raw('[CGIT]\n\tIgnore\n'),
  'include-path': viaInclude('[include]\n\tpath = hidden.inc\n'),
  'include-if': viaInclude('[includeIf "gitdir:REPO/"]\n\tpath = hidden.inc\n'),
  'grouped/include-path': viaInclude('[include]\n\tpath = hidden.inc\n'),
  'broken-header': raw('[cgit\n\tignore = true\n'),
  'broken-quote': raw('[cgit]\n\tignore = "true\n'),
};

let p: Pool;
/** What git says for each repo: "true", "false", "unset" or "error" (git cannot read the config). */
const verdict = new Map<string, string>();
let listed: string[] = [];
let cgitrc = '';

beforeAll(async () => {
  p = await makePool();
  for (const [name, setup] of Object.entries(CASES)) {
    const made = await p.shell('mk', name);
    expect(made.code, made.stderr).toBe(0);
    const repo = join(p.pool, `${name}.git`);
    await setup(p, repo);
    verdict.set(
      name,
      await p.git(['-C', repo, 'config', '--local', '--includes', '--bool', '--get', 'cgit.ignore']).then(
        (out) => out.trim(),
        (error: { code?: number }) => (error.code === 1 ? 'unset' : 'error'),
      ),
    );
  }
  await renderOnce(p);
  await startLighttpd(p);
  cgitrc = await readFile(p.cgitrc, 'utf8');
  listed = indexRepos((await get(p, '/')).body).repos;
});

describe('privacy reads what git reads', () => {
  it('git itself reads these configs as the cases intend', () => {
    expect(Object.fromEntries(verdict)).toEqual({
      plain: 'unset',
      'set-false': 'false',
      'set-off': 'false',
      'set-upper': 'true',
      'set-yes': 'true',
      'set-on': 'true',
      'set-one': 'true',
      'set-two': 'true',
      'bare-key': 'true',
      'include-path': 'true',
      'include-if': 'true',
      'grouped/include-path': 'true',
      'broken-header': 'error',
      'broken-quote': 'error',
    });
  });

  it.each(Object.keys(CASES))('%s: served exactly when git does not consider it ignored', async (name) => {
    const publish = verdict.get(name) === 'false' || verdict.get(name) === 'unset';
    expect(listed.includes(name)).toBe(publish);
    expect(cgitrc.includes(`repo.url=${name}\n`)).toBe(publish);
    expect((await get(p, `/${name}/`)).status).toBe(publish ? 200 : 404);
  });
});
