import { MAX_DESCRIPTION_LENGTH, MAX_OWNER_LENGTH, oneLine, type PoolRepo } from '@homelab/git-pool';

export interface CgitrcSettings {
  /** The pool the entries point into (shown in the header comment only). */
  pool: string;
  title: string;
  description: string;
  /** Space-separated clone-url templates (cgit expands $HTTP_HOST, $CGIT_REPO_URL at request time). */
  cloneUrl: string;
  aboutFilter: string;
  /** Files tried, in order, from the default branch for the about tab. */
  readmes: readonly string[];
  /** 0 turns cgit's page cache off (the default: a cached page would outlive a `private`). */
  cacheSize: number;
  cacheRoot: string;
  maxRepoCount: number;
  /** Largest blob (KiB) rendered as HTML; bigger ones are offered as plain/raw only. */
  maxBlobSizeKb: number;
}

export const defaultCgitrcSettings: CgitrcSettings = {
  pool: '/home/git/repos',
  title: 'git',
  description: '',
  cloneUrl: 'http://$HTTP_HOST/$CGIT_REPO_URL',
  aboutFilter: '/usr/lib/cgit/filters/about-formatting.sh',
  readmes: [':README.md', ':readme.md', ':README.markdown', ':README', ':README.txt'],
  cacheSize: 0,
  cacheRoot: '/var/cache/cgit',
  maxRepoCount: 100,
  maxBlobSizeKb: 2048,
};

/**
 * Pure: the complete cgitrc. Globals come first because cgit copies them into each repo entry as
 * it is read. Only public repos get an entry: a private repo is absent, so cgit answers 404 for its
 * pages and its dumb-http clone paths alike. cgitrc has no escaping (a value runs to the end of its
 * line), so every free-text value goes through oneLine() and names through the pool's name rules.
 */
export function renderCgitrc(repos: readonly PoolRepo[], s: CgitrcSettings): string {
  const v = (text: string, max = 200) => oneLine(text, max);
  const lines = [
    `# Written by cgit-config from ${v(s.pool, 500)}: do not edit, it is rewritten on every change of the pool.`,
    '',
    '# Links are /<repo>/<page>/<path>: lighttpd sends every path except the static assets to cgit.',
    'virtual-root=/',
    'css=/cgit.css',
    'logo=/cgit.png',
    'favicon=/favicon.ico',
    `root-title=${v(s.title)}`,
    `root-desc=${v(s.description)}`,
    'robots=noindex, nofollow',
    '',
    '# Dumb-http clone of public repos: http://<host>/<repo>',
    'enable-http-clone=1',
    `clone-url=${v(s.cloneUrl, 500)}`,
    '',
    '# The about tab renders the README of the default branch (Markdown via python3-markdown).',
    `about-filter=${v(s.aboutFilter, 500)}`,
    ...s.readmes.map((r) => `readme=${v(r)}`),
    '',
    '# Limits that keep big repos browsable.',
    `cache-size=${s.cacheSize}`,
    `cache-root=${v(s.cacheRoot, 500)}`,
    `max-repo-count=${s.maxRepoCount}`,
    `max-blob-size=${s.maxBlobSizeKb}`,
    'max-commit-count=50',
    'max-message-length=120',
    'max-repodesc-length=120',
    'summary-log=10',
    'summary-branches=10',
    'summary-tags=10',
    'enable-log-filecount=0',
    'enable-log-linecount=0',
    'enable-commit-graph=0',
    'enable-blame=1',
    'branch-sort=age',
    'snapshots=tar.gz zip',
    '',
    `enable-index-owner=${repos.some((r) => !r.private && r.owner) ? 1 : 0}`,
    'enable-index-links=1',
    'section-sort=1',
    'repository-sort=name',
    'noplainemail=1',
    '',
    `# ${repos.filter((r) => !r.private).length} public repos (private repos are left out on purpose).`,
  ];
  // Ungrouped repos first: they have no section, and cgit's `section` would otherwise carry over.
  const visible = repos.filter((r) => !r.private);
  const ordered = [...visible.filter((r) => r.group === undefined), ...visible.filter((r) => r.group !== undefined)];
  for (const repo of ordered) {
    lines.push('', `repo.url=${v(repo.name)}`, `repo.path=${v(repo.path, 4096)}`);
    if (repo.description) lines.push(`repo.desc=${v(repo.description, MAX_DESCRIPTION_LENGTH)}`);
    if (repo.owner) lines.push(`repo.owner=${v(repo.owner, MAX_OWNER_LENGTH)}`);
    if (repo.group !== undefined) lines.push(`repo.section=${v(repo.group)}`);
  }
  return `${lines.join('\n')}\n`;
}
