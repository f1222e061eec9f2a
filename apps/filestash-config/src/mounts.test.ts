import { describe, expect, it } from 'vitest';
import { mountOf, parseMountinfo } from './mounts.js';

const MOUNTINFO = [
  '22 1 0:21 / / rw,relatime - overlay overlay rw,lowerdir=/a',
  '23 22 0:22 / /proc rw,nosuid - proc proc rw',
  '30 22 253:1 /zfs/storage /srv/storage ro,relatime - zfs storage rw,xattr',
  '31 30 253:1 /zfs/storage/inbox /srv/storage/inbox rw,relatime - zfs storage rw,xattr',
  '32 22 253:2 / /srv/with\\040space rw,relatime - ext4 /dev/sdb1 rw',
  '33 22 253:3 / /srv/superro rw,relatime shared:5 - ext4 /dev/sdc1 ro',
  '34 22 253:1 /zfs/storage /srv/stacked rw,relatime - zfs storage rw',
  '35 22 253:1 /zfs/storage /srv/stacked ro,relatime - zfs storage rw',
  'garbage line',
].join('\n');

describe('mountinfo', () => {
  const mounts = parseMountinfo(MOUNTINFO);

  it('reads mount points, escapes and read-only flags (per mount or superblock)', () => {
    expect(mounts).toHaveLength(8);
    expect(mounts.find((m) => m.mountPoint === '/srv/with space')?.readOnly).toBe(false);
    expect(mounts.find((m) => m.mountPoint === '/srv/superro')?.readOnly).toBe(true);
    expect(mounts.find((m) => m.mountPoint === '/srv/storage')?.readOnly).toBe(true);
  });

  it.each([
    ['/srv/storage', '/srv/storage', true],
    ['/srv/storage/photos/2024', '/srv/storage', true],
    ['/srv/storage/inbox', '/srv/storage/inbox', false],
    ['/srv/storage/inbox/x', '/srv/storage/inbox', false],
    ['/srv/storage/inboxes', '/srv/storage', true],
    ['/etc', '/', false],
    ['/srv/stacked/a', '/srv/stacked', true],
  ])('%s is on %s (read-only %s)', (path, mountPoint, readOnly) => {
    expect(mountOf(mounts, path)).toEqual({ mountPoint, readOnly });
  });

  it('finds nothing without a root mount', () => {
    expect(mountOf(parseMountinfo(''), '/x')).toBeUndefined();
  });
});
