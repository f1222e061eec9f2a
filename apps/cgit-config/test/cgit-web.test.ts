import { readFile } from 'node:fs/promises';
import { useCleanup } from '@homelab/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { canClone, get, indexRepos, links, makePool, type Pool, renderOnce, startLighttpd } from './web-fixture.js';

// One pool and one lighttpd for the whole file: public, private and grouped repos.
useCleanup('all');

const PUBLIC = ['dots', 'notes', 'tools/fabric'];
const PRIVATE = ['secret', 'tools/hidden'];
let p: Pool;

beforeAll(async () => {
  p = await makePool();
  for (const name of [...PUBLIC, ...PRIVATE]) {
    const made = await p.shell('mk', name);
    expect(made.code, made.stderr).toBe(0);
  }
  for (const name of PRIVATE) expect((await p.shell('private', name)).code).toBe(0);
  for (const name of ['dots', 'tools/fabric', 'secret', 'tools/hidden']) await p.pushContent(name);
  expect((await p.shell('describe', 'dots', 'The', 'owner’s', 'dotfiles')).code).toBe(0);
  // A description set by hand (git config allows newlines) that tries to inject cgitrc directives.
  await p.git([
    'config',
    '--file',
    `${p.pool}/notes.git/config`,
    'gitweb.description',
    'notes\nrepo.url=evil\nrepo.path=/etc\ninclude=/etc/passwd',
  ]);
  await p.git(['config', '--file', `${p.pool}/notes.git/config`, 'gitweb.owner', 'liam\nrepo.url=evil2']);
  await renderOnce(p);
  await startLighttpd(p);
});

describe('cgit under lighttpd with the rendered configs', () => {
  it('lists exactly the public repos on the index, grouped repos in their section', async () => {
    const res = await get(p, '/');
    expect(res.status).toBe(200);
    const { repos, sections } = indexRepos(res.body);
    expect(repos).toEqual([...PUBLIC].sort());
    expect(sections).toEqual(['tools']);
    expect(res.body).toContain('The owner’s dotfiles');
    for (const name of PRIVATE) expect(res.body).not.toContain(name);
  });

  it('renders the README as HTML on /<repo>/about/', async () => {
    for (const name of ['dots', 'tools/fabric']) {
      const res = await get(p, `/${name}/about/`);
      expect(res.status).toBe(200);
      expect(res.body).toMatch(/<h1[^>]*>(<a[^>]*>)?dots|<h1[^>]*>(<a[^>]*>)?tools\/fabric/);
      expect(res.body).toContain(`<em>${name}</em>`);
    }
  });

  it('serves dotted file paths on tree and plain', async () => {
    const tree = await get(p, '/dots/tree/config/fabric.json');
    expect(tree.status).toBe(200);
    expect(tree.body).toContain('{"repo":"dots"}');
    const plain = await get(p, '/tools/fabric/plain/config/fabric.json');
    expect(plain.status).toBe(200);
    expect(plain.body).toBe('{"repo":"tools/fabric"}\n');
  });

  it('clones public repos over http', async () => {
    expect(await canClone(p, 'dots')).toBe(true);
    expect(await canClone(p, 'tools/fabric')).toBe(true);
  });

  it('answers 404 for every page and clone path of private repos, and their clone fails', async () => {
    for (const name of PRIVATE) {
      for (const page of [
        '/',
        '/about/',
        '/tree/',
        '/log/',
        '/refs/',
        '/tree/config/fabric.json',
        '/plain/config/fabric.json',
        '/info/refs',
        '/HEAD',
      ]) {
        const res = await get(p, `/${name}${page}`);
        expect(res.status, `${name}${page}`).toBe(404);
        expect(res.body).not.toContain('{"repo"');
      }
      expect(await canClone(p, name)).toBe(false);
      // cgit's query-string addressing reaches no further than its virtual paths.
      for (const query of [`/?r=${name}`, `/?r=${name}&p=tree`, `/?url=${name}/plain/config/fabric.json`]) {
        const res = await get(p, query);
        expect(res.body, query).not.toContain('{"repo"');
        expect(indexRepos(res.body).repos.filter((r) => PRIVATE.includes(r))).toEqual([]);
      }
    }
  });

  it('never shows the cgit script name in a link', async () => {
    const pages = ['/', '/?s=idle', '/nope/'];
    for (const name of PUBLIC) {
      for (const page of ['/', '/about/', '/tree/', '/tree/config/', '/tree/config/fabric.json', '/log/', '/refs/', '/commit/', '/diff/']) {
        pages.push(`/${name}${page}`);
      }
    }
    const seen = new Set<string>();
    for (const page of pages) {
      const res = await get(p, page);
      expect([200, 404], page).toContain(res.status);
      for (const link of links(res.body)) seen.add(link);
    }
    expect(seen.size).toBeGreaterThan(50);
    expect([...seen].filter((l) => l.includes('cgit.cgi'))).toEqual([]);
    expect([...seen].filter((l) => l.startsWith('/') && !l.startsWith('/?')).length).toBeGreaterThan(30);
  });

  it('does not let metadata inject cgitrc directives', async () => {
    const cgitrc = await readFile(p.cgitrc, 'utf8');
    const directives = cgitrc.split('\n').filter((l) => /^\s*(repo\.url|repo\.path|include)=/.test(l));
    expect(directives.filter((l) => l.startsWith('repo.url='))).toEqual(PUBLIC.map((n) => `repo.url=${n}`));
    expect(directives.filter((l) => l.startsWith('include'))).toEqual([]);
    expect(directives.filter((l) => l.startsWith('repo.path=')).every((l) => l.startsWith(`repo.path=${p.pool}/`))).toBe(true);
    expect((await get(p, '/evil/')).status).toBe(404);
    expect((await get(p, '/evil2/')).status).toBe(404);
    const index = await get(p, '/');
    expect(index.body).toContain('notes repo.url=evil repo.path=/etc include=/etc/passwd');
    expect(indexRepos(index.body).repos).toEqual([...PUBLIC].sort());
  });
});
