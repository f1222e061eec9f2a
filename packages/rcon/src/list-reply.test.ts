import { describe, expect, it } from 'vitest';
import { parseListReply } from './list-reply.js';

describe('parseListReply', () => {
  it.each([
    ['There are 2 of a max of 20 players online: Alex, Steve', ['Alex', 'Steve']],
    ['There are 0 of a max of 20 players online: ', []],
    ['There are 0 of a max of 20 players online:', []],
    ['There are 1 of a max of 20 players online: Alex\n', ['Alex']],
    // Not a player name: dropped rather than trusted.
    ['There are 2 of a max of 20 players online: Alex, <b>x</b>', ['Alex']],
    ['rcon-bridge: error: not connected', undefined],
    ['Unknown command', undefined],
  ])('%j -> %j', (reply, players) => {
    expect(parseListReply(reply)).toEqual(players);
  });
});
