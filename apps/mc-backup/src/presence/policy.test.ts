import { describe, expect, it } from 'vitest';
import { parseLogLine } from './log-events.js';
import { applyEvent, nextPresenceBackup, type Presence, type RunTimes, scheduledDecision } from './policy.js';

const H = 3_600_000;
const M = 60_000;
const NOW = Date.UTC(2026, 11, 2, 12);
const empty: Presence = { online: [], lastPlayedAt: null, lastLeaveAt: null, serverStartAt: null };
const runs = (lastSuccess: number | null, lastRun = lastSuccess): RunTimes => ({
  lastSuccessStartedAt: lastSuccess,
  lastRunStartedAt: lastRun,
});
const settings = { delayMs: 10 * M, minIntervalMs: H };

describe('scheduledDecision', () => {
  it.each([
    ['always, nobody ever played', 'always', empty, runs(NOW - 24 * H), true],
    ['if-played, no backup yet', 'if-played', empty, runs(null), true],
    ['if-played, a day without joins', 'if-played', { ...empty, lastPlayedAt: NOW - 30 * H }, runs(NOW - 24 * H), false],
    ['if-played, nobody ever seen', 'if-played', empty, runs(NOW - 24 * H), false],
    ['if-played, a join since the last backup', 'if-played', { ...empty, lastPlayedAt: NOW - 2 * H }, runs(NOW - 24 * H), true],
    ['if-played, someone online now', 'if-played', { ...empty, online: ['Steve'], lastPlayedAt: NOW - 30 * H }, runs(NOW - H), true],
    ['after-leave, the schedule as safety net', 'after-leave', { ...empty, online: ['Alex'] }, runs(NOW - H), true],
    ['after-leave, nobody played', 'after-leave', { ...empty, lastPlayedAt: NOW - 3 * H }, runs(NOW - H), false],
  ] as const)('%s', (_what, mode, presence, times, run) => {
    expect(scheduledDecision(mode, { ...presence, online: [...presence.online] }, times).run).toBe(run);
  });
});

describe('nextPresenceBackup (after-leave)', () => {
  it.each([
    [
      'the last player left: one backup after the delay',
      { ...empty, lastLeaveAt: NOW },
      runs(NOW - 2 * H),
      { at: NOW + 10 * M, trigger: 'after-leave' },
    ],
    ['a rejoin within the delay cancels it', { ...empty, online: ['Steve'], lastLeaveAt: NOW }, runs(NOW - 2 * H), undefined],
    ['already backed up after the leave', { ...empty, lastLeaveAt: NOW - 20 * M }, runs(NOW - 5 * M), undefined],
    [
      'the minimum interval pushes it back',
      { ...empty, lastLeaveAt: NOW },
      runs(NOW - 45 * M),
      { at: NOW + 15 * M, trigger: 'after-leave' },
    ],
    [
      'a failed run also counts for the interval, and the leave stays owed',
      { ...empty, lastLeaveAt: NOW - 30 * M },
      runs(NOW - 3 * H, NOW - 20 * M),
      { at: NOW + 40 * M, trigger: 'after-leave' },
    ],
    ['one after each server start', { ...empty, serverStartAt: NOW }, runs(NOW - 3 * H), { at: NOW + 10 * M, trigger: 'server-start' }],
    [
      'the server start, also with players online',
      { ...empty, online: ['Alex'], serverStartAt: NOW },
      runs(NOW - 3 * H),
      { at: NOW + 10 * M, trigger: 'server-start' },
    ],
    ['server start already backed up', { ...empty, serverStartAt: NOW - H }, runs(NOW - 30 * M), undefined],
    ['nothing happened', empty, runs(NOW - 3 * H), undefined],
  ] as const)('%s', (_what, presence, times, expected) => {
    expect(nextPresenceBackup('after-leave', { ...presence, online: [...presence.online] }, times, settings)).toEqual(expected);
  });

  it('plans nothing in the other modes', () => {
    expect(nextPresenceBackup('if-played', { ...empty, lastLeaveAt: NOW }, runs(null), settings)).toBeUndefined();
    expect(nextPresenceBackup('always', { ...empty, serverStartAt: NOW }, runs(null), settings)).toBeUndefined();
  });
});

describe('presence from the log and list', () => {
  it('follows joins and leaves; the last leave marks the server empty; a rejoin makes it busy again', () => {
    let p = applyEvent(empty, { kind: 'join', name: 'Steve' }, NOW);
    p = applyEvent(p, { kind: 'join', name: 'Alex' }, NOW + 1);
    p = applyEvent(p, { kind: 'leave', name: 'Steve' }, NOW + 2);
    expect(p).toEqual({ online: ['Alex'], lastPlayedAt: NOW + 2, lastLeaveAt: null, serverStartAt: null });
    p = applyEvent(p, { kind: 'leave', name: 'Alex' }, NOW + 3);
    expect(p).toMatchObject({ online: [], lastLeaveAt: NOW + 3 });
    expect(nextPresenceBackup('after-leave', p, runs(NOW - H), settings)).toEqual({ at: NOW + 3 + 10 * M, trigger: 'after-leave' });
    p = applyEvent(p, { kind: 'join', name: 'Alex' }, NOW + 4);
    expect(nextPresenceBackup('after-leave', p, runs(NOW - H), settings)).toBeUndefined();
    expect(applyEvent(p, { kind: 'list', online: [] }, NOW + 5)).toMatchObject({ online: [], lastLeaveAt: NOW + 5 });
    expect(applyEvent(p, { kind: 'server-start' }, NOW + 6)).toMatchObject({ online: [], serverStartAt: NOW + 6 });
  });

  it.each([
    ['[12:00:01] [Server thread/INFO]: Steve joined the game', { kind: 'join', name: 'Steve' }],
    ['[12:00:01] [Server thread/INFO]: Steve left the game', { kind: 'leave', name: 'Steve' }],
    ['[12:00:01] [Server thread/INFO]: Done (3.512s)! For help, type "help"', { kind: 'server-start' }],
    ['[12:00:01] [Server thread/INFO]: Stopping server', { kind: 'server-stop' }],
    ['[12:00:01] [Server thread/INFO]: <Steve> Alex joined the game', undefined],
    ['[12:00:01] [Server thread/INFO]: [Rcon] Alex left the game', undefined],
    ['[12:00:01] [Async Chat Thread - #0/INFO]: Alex joined the game', undefined],
    ['[12:00:01] [Server thread/INFO]: Steve lost connection: Disconnected', undefined],
  ])('%s', (line, event) => {
    expect(parseLogLine(line)).toEqual(event);
  });
});
