import { describe, expect, it } from 'vitest';
import { bridgeError, bridgeRefusal, isBridgeNotConnected, parseBridgeReply } from './bridge-reply.js';

describe('the bridge reply protocol', () => {
  it.each([
    [bridgeError('not connected to 127.0.0.1:25575'), { kind: 'error', message: 'not connected to 127.0.0.1:25575' }],
    [
      bridgeRefusal('save-all takes only "flush"', 'save-all now'),
      { kind: 'refused', command: 'save-all now', message: 'save-all takes only "flush"' },
    ],
    [
      bridgeRefusal('a request of 2000 bytes is over the 1446-byte limit'),
      { kind: 'refused', message: 'a request of 2000 bytes is over the 1446-byte limit' },
    ],
    ['There are 0 of a max of 20 players online:', undefined],
    ['Unknown request 64', undefined],
  ])('%j parses back', (reply, parsed) => {
    expect(parseBridgeReply(reply)).toEqual(parsed);
  });

  it('shortens a long refused command and tells "not connected" apart from other errors', () => {
    expect(bridgeRefusal('why', `say ${'x'.repeat(100)}`)).toBe(`rcon-bridge: refused "say ${'x'.repeat(56)}...": why`);
    expect(isBridgeNotConnected(bridgeError('not connected to 127.0.0.1:25575'))).toBe(true);
    expect(isBridgeNotConnected(bridgeError('timed out after 120000 ms'))).toBe(false);
    expect(isBridgeNotConnected('not connected')).toBe(false);
  });
});
