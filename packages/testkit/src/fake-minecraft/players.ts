import { randomUUID } from 'node:crypto';
import type { GameState } from './commands.js';

/** Vanilla's player names: 3 to 16 of A-Z, a-z, 0-9 and _. */
export const PLAYER_NAME = /^[A-Za-z0-9_]{3,16}$/;

let nextEntityId = 100;

/** A player logs in: the log lines vanilla 1.21 writes, in its order and threads. */
export function joinPlayer(game: GameState, name: string): string | undefined {
  if (!PLAYER_NAME.test(name)) return `not a player name: ${name}`;
  if (game.players.includes(name)) return `${name} is already online`;
  game.log.info(`UUID of player ${name} is ${randomUUID()}`, 'User Authenticator #1');
  game.players.push(name);
  game.log.info(`${name}[/127.0.0.1:${40000 + nextEntityId}] logged in with entity id ${nextEntityId++} at (8.5, 64.0, 8.5)`);
  game.log.info(`${name} joined the game`);
  return undefined;
}

/** A player leaves (or is kicked at stop with "Server closed"): vanilla's two lines. */
export function leavePlayer(game: GameState, name: string, reason = 'Disconnected'): string | undefined {
  const index = game.players.indexOf(name);
  if (index < 0) return `${name} is not online`;
  game.players.splice(index, 1);
  game.log.info(`${name} lost connection: ${reason}`);
  game.log.info(`${name} left the game`);
  return undefined;
}
