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
