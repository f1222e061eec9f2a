import { bigReplyText } from './java-text.js';
import type { VanillaLog } from './log.js';
import type { WorldWriter } from './world-writer.js';

export interface GameState {
  log: VanillaLog;
  world: WorldWriter;
  players: string[];
  startedAt: number;
  ops: Set<string>;
  whitelist: Set<string>;
  /** Called by `stop` once its reply is out: saves and exits. */
  requestStop(): void;
}

/** Where a command's feedback goes: the RCON source appends to the shared buffer. */
export type Feedback = (message: string, broadcast: boolean) => void;

/** Runs one command on the server thread, like vanilla (output texts as in 1.20/1.21). */
export async function executeCommand(game: GameState, text: string, feedback: Feedback, source: 'Rcon' | 'Server' = 'Rcon'): Promise<void> {
  const command = text.startsWith('/') ? text.slice(1) : text;
  const [name = '', ...args] = command.split(' ');
  switch (name) {
    case 'list': {
      const n = game.players.length;
      return feedback(`There are ${n} of a max of 20 players online: ${game.players.join(', ')}`, false);
    }
    case 'say':
      if (args.length === 0) return unknown(command, feedback);
      // The broadcast goes to players and the log; the RCON source gets nothing back.
      game.log.info(`[${source}] ${args.join(' ')}`);
      return;
    case 'tellraw':
      if (args.length < 2) return unknown(command, feedback);
      if (game.players.length === 0) return feedback('No player was found', false);
      return;
    case 'save-off':
      if (!game.world.saving) return feedback('Saving is already turned off', false);
      game.world.saving = false;
      return feedback('Automatic saving is now disabled', true);
    case 'save-on':
      if (game.world.saving) return feedback('Saving is already turned on', false);
      game.world.saving = true;
      return feedback('Automatic saving is now enabled', true);
    case 'save-all': {
      if (args.length > 1 || (args[0] !== undefined && args[0] !== 'flush')) return unknown(command, feedback);
      feedback('Saving the game (this may take a moment!)', true);
      // With flush the reply waits until every chunk is on disk: that is what backups rely on.
      if (args[0] === 'flush') await game.world.flush();
      else game.world.saveAll();
      return feedback('Saved the game', true);
    }
    case 'stop':
      feedback('Stopping the server', true);
      game.requestStop();
      return;
    case 'time':
      if (args[0] === 'query' && args[1] === 'gametime') {
        return feedback(`The time is ${Math.floor((Date.now() - game.startedAt) / 50)}`, false);
      }
      return unknown(command, feedback);
    case 'bigreply': {
      const n = Number(args[0]);
      if (!Number.isInteger(n) || n < 0) return unknown(command, feedback);
      return feedback(bigReplyText(n), false);
    }
    case 'echo':
      // Not vanilla: a unique reply per request, so tests can see whose reply went where.
      return feedback(args.join(' '), false);
    case 'op':
      if (!args[0]) return unknown(command, feedback);
      game.ops.add(args[0]);
      return feedback(`Made ${args[0]} a server operator`, true);
    case 'whitelist':
      if (args[0] === 'add' && args[1]) {
        game.whitelist.add(args[1]);
        return feedback(`Added ${args[1]} to the whitelist`, true);
      }
      return unknown(command, feedback);
    default:
      return unknown(command, feedback);
  }
}

function unknown(command: string, feedback: Feedback): void {
  feedback(`Unknown or incomplete command, see below for error${command}<--[HERE]`, false);
}
