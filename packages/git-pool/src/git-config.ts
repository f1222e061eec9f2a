/**
 * A reader for git's config file syntax, ported from git's own parser (config.c,
 * `git_parse_source`): sections, subsections, quoted values with escapes, comments, bare keys
 * meaning true, line continuations, a UTF-8 BOM, CRLF. Where git refuses a file ("bad config
 * line"), this throws GitConfigSyntaxError, so a caller never acts on a config git cannot read.
 * Reading the file directly (instead of spawning `git config` per repo) is what keeps a 5,000-repo
 * render fast; writing always goes through real `git config`. `[include]` and `[includeIf]` are
 * not followed: they are returned as keys (`include.path`, `includeif.<cond>.path`) so the caller
 * can refuse such a file (see metadata.ts).
 */

export type GitConfig = ReadonlyMap<string, string | true>;

export class GitConfigSyntaxError extends Error {
  override readonly name = 'GitConfigSyntaxError';
  constructor(readonly line: number) {
    super(`bad config line ${line} (git cannot read this file)`);
  }
}

// git's own isspace(): space, tab, LF, CR (not \v or \f).
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isAlpha = (c: string) => /^[A-Za-z]$/.test(c);
const isKeyChar = (c: string) => /^[A-Za-z0-9-]$/.test(c);

/** Pure: parses config text into `section.key` (or `section.subsection.key`) -> last value. */
export function parseGitConfig(text: string): GitConfig {
  const values = new Map<string, string | true>();
  const src = text.startsWith('\ufeff') ? text.slice(1) : text;
  let pos = 0;
  let line = 1;
  let eof = false;
  // git's get_next_char: CRLF reads as LF, and the end of the text as a final LF.
  const next = (): string => {
    if (pos >= src.length) {
      eof = true;
      return '\n';
    }
    let c = src[pos++] as string;
    if (c === '\r' && src[pos] === '\n') c = src[pos++] as string;
    if (c === '\n') line++;
    return c;
  };
  const fail = (): never => {
    throw new GitConfigSyntaxError(line);
  };

  let section = '';
  let comment = false;
  for (;;) {
    const c = next();
    if (c === '\n') {
      if (eof) return values;
      comment = false;
      continue;
    }
    if (comment || isSpace(c)) continue;
    if (c === '#' || c === ';') {
      comment = true;
      continue;
    }
    if (c === '[') {
      section = readSectionHeader(next, fail);
      continue;
    }
    if (!isAlpha(c)) fail();
    let name = c.toLowerCase();
    let d = next();
    while (!eof && isKeyChar(d)) {
      name += d.toLowerCase();
      d = next();
    }
    while (d === ' ' || d === '\t') d = next();
    const key = section === '' ? name : `${section}.${name}`;
    if (d === '\n') values.set(key, true);
    else if (d === '=') values.set(key, readValue(next, fail));
    else fail();
    if (eof) return values;
  }
}

/** After `[`: `name]`, `name.sub]` (lower-cased) or `name "sub"]` (sub kept as written). */
function readSectionHeader(next: () => string, fail: () => never): string {
  let name = '';
  for (;;) {
    const c = next();
    if (c === '\n') return fail();
    if (c === ']') return name === '' ? fail() : name;
    if (isSpace(c)) break;
    if (!isKeyChar(c) && c !== '.') return fail();
    name += c.toLowerCase();
  }
  let c = next();
  while (isSpace(c)) {
    if (c === '\n') return fail();
    c = next();
  }
  if (c !== '"') return fail();
  let sub = '';
  for (;;) {
    c = next();
    if (c === '\n') return fail();
    if (c === '"') break;
    if (c === '\\') {
      c = next();
      if (c === '\n') return fail();
    }
    sub += c;
  }
  if (next() !== ']' || name === '') return fail();
  return `${name}.${sub}`;
}

const ESCAPES: Record<string, string> = { t: '\t', b: '\b', n: '\n', '\\': '\\', '"': '"' };

/** After `=`: to the end of the line; whitespace runs outside quotes become single spaces, trimmed. */
function readValue(next: () => string, fail: () => never): string {
  let value = '';
  let quoted = false;
  let comment = false;
  let spaces = 0;
  for (;;) {
    let c = next();
    if (c === '\n') return quoted ? fail() : value;
    if (comment) continue;
    if (isSpace(c) && !quoted) {
      if (value !== '') spaces++;
      continue;
    }
    if (!quoted && (c === ';' || c === '#')) {
      comment = true;
      continue;
    }
    value += ' '.repeat(spaces);
    spaces = 0;
    if (c === '\\') {
      c = next();
      if (c === '\n') continue;
      const escaped = ESCAPES[c];
      if (escaped === undefined) return fail();
      value += escaped;
      continue;
    }
    if (c === '"') {
      quoted = !quoted;
      continue;
    }
    value += c;
  }
}

/** git's boolean spelling: true/yes/on/1 (or a bare key) and false/no/off/0/empty. */
export function configBool(value: string | true | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === true) return true;
  const v = value.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(v)) return true;
  if (['false', 'no', 'off', '0', ''].includes(v)) return false;
  return undefined;
}
