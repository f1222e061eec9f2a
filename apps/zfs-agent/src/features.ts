/** What the installed zfs can do: zfs-fuse (pool version 23) or OpenZFS (0.8+, production 2.2+). */
export interface ZfsFeatures {
  flavor: 'zfs-fuse' | 'openzfs';
  version: string;
  /** `zfs list -p` (one line per dataset) instead of `zfs get -H -p` (one line per property). */
  parsableList: boolean;
  /** `zfs destroy ds@a,b,c` in one process. */
  destroyList: boolean;
  /** `zfs snapshot a@x b@y` in one process (same pool, atomic). */
  multiSnapshot: boolean;
  /** `zfs holds -H -p` works (zfs-fuse's needs a missing pyzfs). */
  holdsList: boolean;
  bookmarks: boolean;
  /** Native encryption: the `encryption` property exists and raw sends (`send -w`) work. */
  encryption: boolean;
  /** `receive -s`, the `receive_resume_token` property and `send -t`. */
  resumableReceive: boolean;
}

export const LEGACY_FEATURES: ZfsFeatures = {
  flavor: 'zfs-fuse',
  version: 'pool version 23',
  parsableList: false,
  destroyList: false,
  multiSnapshot: false,
  holdsList: false,
  bookmarks: false,
  encryption: false,
  resumableReceive: false,
};

/**
 * Pure: the features from the outcome of `zfs version` (OpenZFS 0.8+ prints `zfs-2.2.2-1`;
 * zfs-fuse has no such command and exits 2 with "unrecognized command").
 */
export function detectFeatures(result: { exitCode: number; stdout: string }): ZfsFeatures {
  const match = /^zfs-(\d+)\.(\d+)(?:\.(\d+))?\S*/m.exec(result.stdout);
  if (result.exitCode !== 0 || !match) return LEGACY_FEATURES;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  const modern = major > 0 || minor >= 8;
  if (!modern) return { ...LEGACY_FEATURES, flavor: 'openzfs', version: match[0] };
  return {
    flavor: 'openzfs',
    version: match[0],
    parsableList: true,
    destroyList: true,
    multiSnapshot: true,
    holdsList: true,
    bookmarks: true,
    encryption: true,
    resumableReceive: true,
  };
}
