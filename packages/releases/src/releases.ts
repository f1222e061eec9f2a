/**
 * Pure rules about release folders: names, which ones may be removed. A release stays on disk for a
 * grace period after it was replaced, so a reader that resolved the old symlink can finish.
 */
export const RELEASE_NAME = /^r-\d{8}T\d{9}Z-[0-9a-f]{4}$/;
export const BUILDING_PREFIX = '.building-';

export function releaseName(now: number, random: string): string {
  const stamp = new Date(now).toISOString().replace(/[-:.]/g, '');
  return `r-${stamp}-${random}`;
}

/** Releases that are neither current nor within their grace period since they were replaced. */
export function releasesToRemove(opts: {
  names: readonly string[];
  current: string | undefined;
  retiredAt: ReadonlyMap<string, number>;
  now: number;
  graceMs: number;
}): string[] {
  return opts.names.filter((name) => {
    if (name === opts.current || !RELEASE_NAME.test(name)) return false;
    const retired = opts.retiredAt.get(name);
    return retired !== undefined && opts.now - retired >= opts.graceMs;
  });
}

/** A file's identity in the staging folder: unchanged identity means unchanged content. */
export function fileSignature(st: { ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }): string {
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}
