import { isWithin } from '@homelab/core';

export interface MountEntry {
  mountPoint: string;
  readOnly: boolean;
}

/** `\040`-style octal escapes of /proc/self/mountinfo (space, tab, newline, backslash). */
function decodeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/**
 * Pure: the mounts of /proc/self/mountinfo (proc(5)): mount point (field 5) and whether it is
 * read-only, by its per-mount options (field 6) or its superblock options (the last field).
 */
export function parseMountinfo(text: string): MountEntry[] {
  const mounts: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    const dash = fields.indexOf('-');
    if (fields.length < 7 || dash < 6) continue;
    const options = (fields[5] ?? '').split(',');
    const superOptions = (fields[dash + 3] ?? '').split(',');
    mounts.push({ mountPoint: decodeOctal(fields[4] ?? ''), readOnly: options.includes('ro') || superOptions.includes('ro') });
  }
  return mounts;
}

/** Pure: the mount a path lives on: the deepest mount point above it, the last one mounted when stacked. */
export function mountOf(mounts: readonly MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    if (!isWithin(path, m.mountPoint)) continue;
    if (!best || m.mountPoint.length >= best.mountPoint.length) best = m;
  }
  return best;
}
