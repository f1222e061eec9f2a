/**
 * The repo-name rules shared by git-shell (which creates repos) and cgit-config (which publishes
 * them): lowercase letters, digits, `.`, `_`, `-`, at most one `/` for a group, no `..`, no leading
 * dot or dash. A name maps to `<pool>/<name>.git`; cgit serves it at `/<name>`.
 */

export const MAX_NAME_LENGTH = 100;

/** Names that would shadow lighttpd's static assets or cgit's own script at the web root. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['cgit.cgi', 'cgit.css', 'cgit.png', 'cgit.js', 'favicon.ico', 'robots.txt']);

const SEGMENT = /^[a-z0-9_][a-z0-9._-]*$/;

export type NameCheck = { ok: true; name: string; group: string | undefined; relPath: string } | { ok: false; reason: string };

/** Shows a hostile name safely inside a message (control characters escaped, length capped). */
export function showName(raw: string): string {
  const shown = JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw);
  return shown;
}

/**
 * Pure: checks a user-given repo name and returns its canonical form (a trailing `.git` is
 * dropped: `mk foo.git` and `mk foo` are the same repo) and its path relative to the pool.
 */
export function checkRepoName(raw: string): NameCheck {
  if (raw.length === 0) return { ok: false, reason: 'the repo name is empty' };
  if (raw.length > MAX_NAME_LENGTH)
    return { ok: false, reason: `the repo name is ${raw.length} characters long; at most ${MAX_NAME_LENGTH} are allowed` };
  if (/[\u0000-\u001f\u007f]/.test(raw)) return { ok: false, reason: 'the repo name contains a control character (newline, tab, ...)' };
  if (raw.includes('..')) return { ok: false, reason: 'the repo name contains ".."' };
  for (const part of raw.split('/')) {
    if (part.startsWith('.') || part.startsWith('-')) return { ok: false, reason: `"${part}" starts with a dot or a dash` };
  }
  const name = raw.endsWith('.git') ? raw.slice(0, -4) : raw;
  const segments = name.split('/');
  if (segments.length > 2)
    return { ok: false, reason: 'the repo name has more than one "/" (only one group level is allowed: group/repo)' };
  for (const segment of segments) {
    if (segment === '') return { ok: false, reason: 'the repo name has an empty part (leading, trailing or double "/")' };
    if (segment.startsWith('.') || segment.startsWith('-')) return { ok: false, reason: `"${segment}" starts with a dot or a dash` };
    if (!SEGMENT.test(segment)) {
      return { ok: false, reason: `"${segment}" may contain only lowercase letters, digits, ".", "_" and "-"` };
    }
    if (segment.endsWith('.git')) return { ok: false, reason: `"${segment}" ends with ".git" inside the name` };
    if (segment.endsWith('.lock')) return { ok: false, reason: `"${segment}" ends with ".lock"` };
  }
  if (RESERVED_NAMES.has(name)) return { ok: false, reason: `"${name}" is reserved for the web server's own files` };
  const group = segments.length === 2 ? segments[0] : undefined;
  return { ok: true, name, group, relPath: `${name}.git` };
}

/**
 * The canonical repo name of a directory found in the pool (`grp/foo.git` -> `grp/foo`; a bare
 * repo made by hand without the suffix, `grp/foo`, also counts), or undefined if it breaks the rules.
 */
export function nameFromRelPath(relPath: string): string | undefined {
  const check = checkRepoName(relPath);
  return check.ok ? check.name : undefined;
}
