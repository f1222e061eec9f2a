import { lstatSync, realpathSync } from 'node:fs';
import type { FsProbe } from './chroot-lint.js';

/** The real filesystem for the chroot lint. */
export const realFsProbe: FsProbe = {
  lstat(path) {
    try {
      const s = lstatSync(path);
      return { uid: s.uid, mode: s.mode, isDirectory: s.isDirectory(), isSymlink: s.isSymbolicLink() };
    } catch {
      return undefined;
    }
  },
  realpath(path) {
    try {
      return realpathSync(path);
    } catch {
      return undefined;
    }
  },
};
