/** Java's String.getBytes(UTF_8): a lone surrogate (a pair split at a 4096-char cut) becomes '?'. */
export function javaUtf8(text: string): Buffer {
  return Buffer.from(text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '?'), 'utf8');
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzäöüßéè€ñ-';

/**
 * The text `bigreply N` answers: N chars (UTF-16 units) of a repeating non-ASCII pattern whose
 * period (46) does not divide 4096, so reordered or lost fragments are visible.
 */
export function bigReplyText(n: number): string {
  const full = ALPHABET.repeat(Math.ceil(n / ALPHABET.length));
  return full.slice(0, n);
}
