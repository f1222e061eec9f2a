import { describe, expect, it } from 'vitest';
import { backupFreshness, savingResumed } from './readiness.js';
import { initialState, type RunRecord } from './state.js';

const H = 3_600_000;
const success = (finishedAt: number): RunRecord => ({
  id: 'r',
  trigger: 'scheduled',
  status: 'success',
  startedAt: finishedAt - 1000,
  finishedAt,
  durationMs: 1000,
  paused: true,
  warnings: [],
  steps: [],
});

describe('backupFreshness', () => {
  const now = 1_000 * H;
  const table: { name: string; createdAt: number; lastSuccess?: number; noPlaySkip?: number; ok: boolean }[] = [
    { name: 'fresh install, no run due yet', createdAt: now - 2 * H, ok: true },
    { name: 'installed long ago, never succeeded', createdAt: now - 30 * H, ok: false },
    { name: 'last success 25 h ago', createdAt: now - 100 * H, lastSuccess: now - 25 * H, ok: true },
    { name: 'last success exactly 26 h ago', createdAt: now - 100 * H, lastSuccess: now - 26 * H, ok: false },
    { name: 'last success 3 days ago', createdAt: now - 100 * H, lastSuccess: now - 72 * H, ok: false },
    {
      name: 'last success 3 days ago, a run skipped for no play 1 h ago',
      createdAt: now - 100 * H,
      lastSuccess: now - 72 * H,
      noPlaySkip: now - H,
      ok: true,
    },
    {
      name: 'last success 1 h ago, a no-play skip 30 h ago',
      createdAt: now - 100 * H,
      lastSuccess: now - H,
      noPlaySkip: now - 30 * H,
      ok: true,
    },
    { name: 'no success yet, a no-play skip 27 h ago', createdAt: now - 100 * H, noPlaySkip: now - 27 * H, ok: false },
  ];
  for (const row of table) {
    it(`${row.name}: ${row.ok ? 'ready' : 'not ready'}`, () => {
      const state = { ...initialState(row.createdAt), lastSuccess: row.lastSuccess === undefined ? null : success(row.lastSuccess) };
      expect(backupFreshness(state, now, 26 * H, row.noPlaySkip).ok).toBe(row.ok);
    });
  }
});

describe('savingResumed', () => {
  it('is not ready while save-on is owed', () => {
    expect(savingResumed(initialState(0)).ok).toBe(true);
    const paused = { ...initialState(0), paused: { since: 0, pid: 1, run: 'x' } };
    expect(savingResumed(paused)).toMatchObject({ ok: false, detail: { run: 'x' } });
  });
});
