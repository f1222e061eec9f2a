import { describe, expect, it } from 'vitest';
import { formatStamp, parseSnapshotName, snapshotName } from './snapshot-name.js';

describe('snapshot names', () => {
  it('round-trips <prefix>_<UTC stamp>_<period>', () => {
    const time = Date.UTC(2026, 1, 28, 23, 59, 58);
    const name = snapshotName('zfs-agent', time + 999, 'daily');
    expect(name).toBe('zfs-agent_2026-02-28T23:59:58Z_daily');
    expect(parseSnapshotName('zfs-agent', name)).toEqual({ name, time, period: 'daily' });
    expect(formatStamp(time)).toBe('2026-02-28T23:59:58Z');
  });

  it.each([
    'by-hand',
    'other_2026-01-01T00:00:00Z_daily',
    'zfs-agentx_2026-01-01T00:00:00Z_daily',
    'zfs-agent_2026-01-01T00:00:00Z_fortnightly',
    'zfs-agent_2026-02-30T00:00:00Z_daily',
    'zfs-agent_2026-13-01T00:00:00Z_daily',
    'zfs-agent_2026-01-01T24:00:00Z_daily',
    'zfs-agent_2026-01-01 00:00:00Z_daily',
    'zfs-agent_2026-01-01T00:00:00_daily',
    'zfs-agent_2026-1-01T00:00:00Z_daily',
  ])('%s is not the agent`s', (name) => {
    expect(parseSnapshotName('zfs-agent', name)).toBeUndefined();
  });

  it('a prefix with underscores still parses', () => {
    expect(parseSnapshotName('my_agent', 'my_agent_2024-02-29T12:00:00Z_hourly')?.time).toBe(Date.UTC(2024, 1, 29, 12));
  });
});
