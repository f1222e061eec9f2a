/**
 * A reader for the subset of git's config file syntax that `git config` writes: sections,
 * subsections, quoted values with escapes, comments, and bare keys meaning true. Reading the file
 * directly (instead of spawning `git config` per repo) is what keeps a 5,000-repo render fast;
 * writing always goes through real `git config`. `[include]` directives are not followed.
 */

export type GitConfig = ReadonlyMap<string, string | true>;

/** Pure: parses config text into `section.key` (or `section.subsection.key`) -> last value. */
export function parseGitConfig(text: string): GitConfig {
  const values = new Map<string, string | true>();
  let section: string | undefined;
  for (const logical of logicalLines(text)) {
    const line = logical.trimStart();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      section = parseSectionHeader(line);
      const after = line.slice(line.indexOf(']') + 1).trimStart();
      if (after === '' || after.startsWith('#') || after.startsWith(';')) continue;
      // A key on the same line as its header: `[core] bare = true`.
      if (section !== undefined) addEntry(values, section, after);
      continue;
    }
    if (section !== undefined) addEntry(values, section, line);
  }
  return values;
}

/** Splits text into lines, joining a line that ends with a backslash outside quotes with the next. */
function* logicalLines(text: string): Generator<string> {
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (endsWithContinuation(current + line)) {
      current += line.slice(0, -1);
      continue;
    }
    yield current + line;
    current = '';
  }
  if (current) yield current;
}

function endsWithContinuation(line: string): boolean {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') {
      if (i === line.length - 1) return true;
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '#' || c === ';')) return false;
  }
  return false;
}

function parseSectionHeader(line: string): string | undefined {
  const match = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
  if (!match) return undefined;
  const name = (match[1] ?? '').toLowerCase();
  if (match[2] === undefined) return name;
  // Subsection names are case-sensitive; `\x` stands for `x`.
  return `${name}.${match[2].replace(/\\(.)/g, '$1')}`;
}

function addEntry(values: Map<string, string | true>, section: string, line: string): void {
  const match = /^([A-Za-z][A-Za-z0-9-]*)\s*(=?)(.*)$/.exec(line);
  if (!match) return;
  const key = `${section}.${(match[1] ?? '').toLowerCase()}`;
  if (match[2] !== '=') {
    values.set(key, true);
    return;
  }
  values.set(key, parseValue(match[3] ?? ''));
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', b: '\b', '\\': '\\', '"': '"' };

function parseValue(raw: string): string {
  let out = '';
  let pendingSpace = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '\\') {
      const next = raw[++i];
      out += pendingSpace + (next !== undefined ? (ESCAPES[next] ?? next) : '');
      pendingSpace = '';
    } else if (c === '"') {
      out += pendingSpace;
      pendingSpace = '';
      quoted = !quoted;
    } else if (!quoted && (c === '#' || c === ';')) {
      break;
    } else if (!quoted && (c === ' ' || c === '\t')) {
      // Whitespace outside quotes is kept between words and dropped at both ends.
      if (out !== '') pendingSpace += c;
    } else {
      out += pendingSpace + c;
      pendingSpace = '';
    }
  }
  return out;
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
