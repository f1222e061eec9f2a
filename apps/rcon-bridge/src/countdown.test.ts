import { ManualClock, parseDuration, silentLogger } from '@homelab/core';
import { describe, expect, it } from 'vitest';
import { countdownText, humanDuration, parseBridgeCommand, parseCountdownSteps, planCountdown } from './countdown.js';
import { CountdownController } from './countdown-controller.js';

const S = 1_000;
const M = 60 * S;

describe('countdown planning (pure)', () => {
  it('announces at each step and acts after the first', () => {
    expect(planCountdown([5 * M, M, 30 * S, 10 * S], 1_000_000)).toEqual({
      announcements: [
        { at: 1_000_000, remainingMs: 5 * M },
        { at: 1_000_000 + 4 * M, remainingMs: M },
        { at: 1_000_000 + 4 * M + 30 * S, remainingMs: 30 * S },
        { at: 1_000_000 + 4 * M + 50 * S, remainingMs: 10 * S },
      ],
      actAt: 1_000_000 + 5 * M,
    });
    expect(planCountdown([], 7)).toEqual({ announcements: [], actAt: 7 });
  });

  it.each([
    ['5m,1m,30s,10s', [5 * M, M, 30 * S, 10 * S]],
    ['1h', [3_600_000]],
    ['30s,1m', '"1m" is not shorter than the step before it'],
    ['2h', '"2h" is outside 1s-1h'],
    ['500ms', '"500ms" is outside 1s-1h'],
    ['5m,soon', '"soon" is not a duration'],
    ['', 'expected 1 to 20 comma-separated durations, longest first, e.g. 5m,1m,30s,10s'],
  ])('steps %j', (value, expected) => {
    expect(parseCountdownSteps(value, parseDuration)).toEqual(expected);
  });

  it('words the time and fills the text', () => {
    expect([5 * M, M, 30 * S, S, 90 * M].map(humanDuration)).toEqual([
      '5 minutes',
      '1 minute',
      '30 seconds',
      '1 second',
      '1 hour 30 minutes',
    ]);
    expect(countdownText('[server] {action} in {time} {reason}', 'restart', M, 'update')).toBe('[server] restarting in 1 minute update');
    expect(countdownText('Server {action} in {time}', 'stop', 10 * S, '')).toBe('Server stopping in 10 seconds');
  });

  it.each([
    ['bridge:restart', { kind: 'restart', reason: '' }],
    ['/bridge:stop maintenance tonight', { kind: 'stop', reason: 'maintenance tonight' }],
    ['bridge:restart \u00a7kbad\u0007', { kind: 'restart', reason: 'kbad' }],
    ['bridge:cancel', { kind: 'cancel' }],
    ['bridge:status', { kind: 'status' }],
    ['bridge:cancel now', { kind: 'unknown', verb: 'cancel' }],
    ['bridge:reboot', { kind: 'unknown', verb: 'reboot' }],
    ['stop', undefined],
    ['say bridge:restart', undefined],
  ])('command %j', (text, expected) => {
    expect(parseBridgeCommand(text)).toEqual(expected);
  });
});

function controller(online: string[] | undefined) {
  const clock = new ManualClock(1_000_000);
  const said: string[] = [];
  const acted: string[] = [];
  const players = { online };
  const c = new CountdownController({
    say: async (t) => {
      said.push(`${clock.now() - 1_000_000} ${t}`);
    },
    online: async () => players.online,
    act: async (a) => {
      acted.push(`${clock.now() - 1_000_000} ${a}`);
    },
    clock,
    log: silentLogger(),
    stepsMs: [60 * S, 30 * S, 10 * S],
    text: '[server] {action} in {time}',
  });
  const tick = async (ms: number) => {
    for (let t = 0; t < ms; t += S) {
      clock.advance(S);
      await new Promise((r) => setImmediate(r));
    }
  };
  return { c, said, acted, players, tick };
}

describe('CountdownController (injected clock)', () => {
  it('with players online: announces each step, then restarts', async () => {
    const { c, said, acted, tick } = controller(['Alex', 'Steve']);
    expect(await c.request('restart', '')).toBe(
      'bridge: restarting in 1 minute (announced at 1 minute, 30 seconds, 10 seconds); "bridge:cancel" cancels',
    );
    await tick(61 * S);
    expect(said).toEqual([
      '0 [server] restarting in 1 minute',
      '30000 [server] restarting in 30 seconds',
      '50000 [server] restarting in 10 seconds',
    ]);
    expect(acted).toEqual(['60000 restart']);
    expect(c.active).toBeUndefined();
  });

  it('with nobody online: acts at once, nothing announced', async () => {
    const { c, said, acted, tick } = controller([]);
    expect(await c.request('stop', '')).toBe('bridge: nobody online: stopping now');
    await tick(S);
    expect([said, acted]).toEqual([[], ['0 stop']]);
  });

  it('cancel stops the countdown; a second request while one runs is refused', async () => {
    const { c, said, acted, tick } = controller(['Alex']);
    await c.request('restart', 'update');
    expect(await c.request('stop', '')).toMatch(/^rcon-bridge: refused: a restart is already counting down \(in 1 minute\)/);
    await tick(20 * S);
    expect(c.status()).toBe('bridge: restart in 40 seconds');
    expect(c.cancel()).toBe('bridge: restart cancelled');
    await new Promise((r) => setImmediate(r));
    await tick(60 * S);
    expect(acted).toEqual([]);
    expect(said).toEqual(['0 [server] restarting in 1 minute', '20000 [server] restart cancelled']);
    expect(c.cancel()).toBe('rcon-bridge: refused: nothing to cancel: no restart or stop is counting down');
  });

  it('when everyone leaves during the countdown, it goes ahead at the next step', async () => {
    const { c, said, acted, players, tick } = controller(['Alex']);
    await c.request('restart', '');
    await tick(5 * S);
    players.online = [];
    await tick(30 * S);
    expect(said).toEqual(['0 [server] restarting in 1 minute']);
    expect(acted).toEqual(['30000 restart']);
  });
});
