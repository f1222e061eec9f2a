import { createInterface } from 'node:readline';
import { executeCommand, type GameState } from './commands.js';
import { joinPlayer, leavePlayer } from './players.js';
import type { ServerThread } from './server-thread.js';

/**
 * The server console on stdin, as vanilla reads it: each line is a command run on the server
 * thread, its feedback logged. Not vanilla, for tests: `fake:join NAME` and `fake:leave NAME`
 * make a player log in or out (with vanilla's log lines), as no real client can connect here.
 */
export function readConsole(game: GameState, thread: ServerThread, input: NodeJS.ReadableStream): void {
  const lines = createInterface({ input });
  lines.on('line', (raw) => {
    const line = raw.trim();
    if (!line) return;
    void thread.run(async () => {
      const [verb, name = ''] = line.split(/\s+/);
      if (verb === 'fake:join' || verb === 'fake:leave') {
        const problem = verb === 'fake:join' ? joinPlayer(game, name) : leavePlayer(game, name);
        if (problem) game.log.warn(`console: ${problem}`);
        return;
      }
      await executeCommand(game, line, (message) => game.log.info(message), 'Server');
    });
  });
  lines.on('error', () => {});
}
