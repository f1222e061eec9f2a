/**
 * The one grammar for filesystem paths that reach a rendered config (sshd_config, filestash's
 * config.json, forced command lines): normalised, made only of safe components, refused (never
 * escaped) otherwise. Compare real paths with `isWithin` after resolving symlinks. No dependency, so
 * the rsync gate's fast path can import it alone (`@homelab/core/safe-path`).
 */
/** One path component: no dot-only names, no spaces, quotes, backslashes or control characters. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._@+-]{0,254}$/;

const badSegment = (segment: string) => `bad path component "${segment.slice(0, 40)}" (letters, digits, ._@+- only; no . or ..)`;

/** An absolute, normalised path of safe components: no `.`/`..`, no `//`, no trailing `/`. */
export function checkAbsolutePath(path: string): string | undefined {
  if (path === '/') return undefined;
  if (!path.startsWith('/')) return 'expected an absolute path';
  if (path.endsWith('/')) return 'expected no trailing /';
  for (const segment of path.slice(1).split('/')) {
    if (!SEGMENT.test(segment)) return badSegment(segment);
  }
  return undefined;
}

/** A path relative to a base folder (`""` is the base itself): safe components, no `..`, not absolute. */
export function checkRelativePath(path: string, base = 'its base folder'): string | undefined {
  if (path === '') return undefined;
  if (path.startsWith('/')) return `expected a path relative to ${base}`;
  if (path.endsWith('/')) return 'expected no trailing /';
  for (const segment of path.split('/')) {
    if (!SEGMENT.test(segment)) return badSegment(segment);
  }
  return undefined;
}

/** True when `inner` is `outer` or below it, comparing whole components (both absolute and normalised). */
export function isWithin(inner: string, outer: string): boolean {
  if (outer === '/') return true;
  return inner === outer || inner.startsWith(`${outer}/`);
}
