import * as z from 'zod';

/**
 * The strict grammars of every lab.yaml string that reaches a rendered file (Caddyfile, nft,
 * lighttpd, compose). Each admits only characters that mean nothing to those formats, so no value
 * needs escaping and none can change a file's structure: no quotes, braces, `;`, `#`, spaces or
 * control characters anywhere except one-line texts, which only land in comments.
 */

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/** RFC 1123 host name, at most 253 bytes, optionally a wildcard `*.` in front. */
export const HOST_NAME = new RegExp(`^(?:\\*\\.)?(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);

/** Interface-name characters (the kernel allows more; nft and our configs want these only). */
export const IFNAME_CHARS = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const IFNAME_FORM = 'letters, digits, "-", "_" and "." starting with a letter or digit';

/** One path segment: no `.`/`..`, nothing a config format or a mount spec (`:`) would read. */
const SEGMENT = /^[A-Za-z0-9._@+-]+$/;
const segmentsOk = (rest: string) => rest.split('/').every((s) => SEGMENT.test(s) && s !== '.' && s !== '..');

export const isAbsolutePath = (v: string) => v === '/' || (v.startsWith('/') && segmentsOk(v.slice(1)));
export const PATH_FORM = 'an absolute path of letters, digits and . _ @ + - (no "..", no empty segment)';

/** A tag (image version, server.tag): what an OCI tag allows. */
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Control characters (C0, DEL, C1) and the Unicode line and paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export const hostName = () =>
  z.string().regex(HOST_NAME, 'expected a DNS host name: RFC 1123 labels of letters, digits and dashes, optionally "*." in front');

/** Interface-name characters; the 15-byte limit is a rule of `check` (it proposes a shorter name). */
export const ifnameChars = () => z.string().regex(IFNAME_CHARS, `expected an interface name of ${IFNAME_FORM}`);

/** A full interface name: the safe characters and at most 15 bytes. */
export const ifName = () =>
  z.string().regex(IFNAME_CHARS, `expected an interface name of ${IFNAME_FORM}`).max(15, 'expected an interface name of at most 15 bytes');

export const absolutePath = () => z.string().refine(isAbsolutePath, `expected ${PATH_FORM}`);

/** A bind source: an absolute host path, or `./path` relative to the compose file. */
export const bindSource = () =>
  z
    .string()
    .refine(
      (v) => isAbsolutePath(v) || (v.startsWith('./') && segmentsOk(v.slice(2))),
      `expected ${PATH_FORM}, or ./path relative to the compose file (rendered configs)`,
    );

export const tag = () => z.string().regex(TAG, 'expected letters, digits and . _ - (at most 128, not starting with . or -)');

/** A container image reference: no spaces, quotes or anything else YAML or podman would read. */
export const imageRef = () =>
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9._/-]*(?::[0-9]{1,5}\/[a-z0-9._/-]+)?(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/, {
      message: 'expected an image reference such as localhost/homelab/name:tag',
    });

/** Free text on one line (summaries, notes, env values, command arguments). */
export const oneLine = () => z.string().refine((v) => !CONTROL.test(v), 'expected one line of text without control characters');

export const envName = () => z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an env var name of letters, digits and _');

/** An http(s) URL without spaces, quotes or control characters. */
export const httpUrl = () =>
  z
    .url({ protocol: /^https?$/, message: 'expected an http(s) URL' })
    .refine((v) => !/[\s"'`\\{}<>]/.test(v) && !CONTROL.test(v), 'expected a URL without spaces, quotes or braces');
