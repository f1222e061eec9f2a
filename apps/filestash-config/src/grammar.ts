/**
 * The strict grammars every string passes before it reaches filestash's config.json. Anything
 * outside them is refused at config validation (exit 2 naming the key), never escaped.
 */

/** A share's label (shown on filestash's login page): lowercase letter first, then a-z 0-9 `_` `-`; at most 32. */
export const SHARE_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** The name filestash shows in its UI: letters, digits, space and `._-`; at most 40, no leading space. */
export const UI_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$/;

/** A bcrypt hash as filestash's `auth.admin` holds it (`htpasswd -nbB`, Go's bcrypt, bcryptjs). */
export const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;

/** filestash's own pattern for `general.secret_key`: 16 letters or digits. */
export const SECRET_KEY = /^[A-Za-z0-9]{16}$/;

/** One path component: no dot-only names, no spaces, quotes, backslashes or control characters. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._@+-]{0,254}$/;

/** An absolute, normalised path of safe components: no `.`/`..`, no `//`, no trailing `/`. */
export function checkAbsolutePath(path: string): string | undefined {
  if (path === '/') return undefined;
  if (!path.startsWith('/')) return 'expected an absolute path';
  if (path.endsWith('/')) return 'expected no trailing /';
  for (const segment of path.slice(1).split('/')) {
    if (!SEGMENT.test(segment)) return `bad path component "${segment.slice(0, 40)}" (letters, digits, ._@+- only; no . or ..)`;
  }
  return undefined;
}

/** A path relative to the datastore (`""` is the datastore itself): safe components, no `..`. */
export function checkRelativePath(path: string): string | undefined {
  if (path === '') return undefined;
  if (path.startsWith('/')) return 'expected a path relative to the datastore';
  if (path.endsWith('/')) return 'expected no trailing /';
  for (const segment of path.split('/')) {
    if (!SEGMENT.test(segment)) return `bad path component "${segment.slice(0, 40)}" (letters, digits, ._@+- only; no . or ..)`;
  }
  return undefined;
}

/** True when `inner` is `outer` or below it (both absolute and normalised). */
export function isWithin(inner: string, outer: string): boolean {
  if (outer === '/') return true;
  return inner === outer || inner.startsWith(`${outer}/`);
}

/** `datastore` joined with a relative share path (both already checked). */
export function sharePath(datastore: string, rel: string): string {
  if (rel === '') return datastore;
  return datastore === '/' ? `/${rel}` : `${datastore}/${rel}`;
}

/**
 * The address filestash is told it is served on. Refused: the wildcard and broadcast addresses
 * (never "every interface"), multicast and link-local.
 */
export function checkListenAddress(ip: string): string | undefined {
  const parts = ip.split('.').map(Number);
  const [a, b] = parts as [number, number];
  if (ip === '0.0.0.0') return 'must not be 0.0.0.0 (every interface): give the private hub address of zfs-web';
  if (ip === '255.255.255.255') return 'must not be the broadcast address';
  if (a >= 224) return 'must not be a multicast or reserved address';
  if (a === 169 && b === 254) return 'must not be a link-local address';
  return undefined;
}
