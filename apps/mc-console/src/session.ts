import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { clearLine, createInterface, cursorTo } from 'node:readline';
import { RconClient } from '@homelab/rcon';
import type { ConsoleConfig } from './config.js';
import { LogStream } from './log-stream.js';

export interface SessionIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * The interactive console: log lines (history, then live) and command replies in one terminal,
 * commands read with line editing and history. Both connections to the bridge reconnect on
 * their own, so a bridge restart only shows a notice. Resolves with 0 on `exit` or Ctrl-D.
 */
export async function runSession(config: ConsoleConfig, io: SessionIo): Promise<number> {
  const terminal = io.output.isTTY === true;
  const rl = createInterface({ input: io.input, output: io.output, terminal, historySize: 1000, prompt: 'mc> ' });
  if (config.CONSOLE_HISTORY_FILE && existsSync(config.CONSOLE_HISTORY_FILE)) {
    const saved = readFileSync(config.CONSOLE_HISTORY_FILE, 'utf8').split('\n').filter(Boolean).slice(-1000);
    (rl as unknown as { history: string[] }).history = saved.reverse();
  }
  const print = (text: string) => {
    if (terminal) {
      clearLine(io.output, 0);
      cursorTo(io.output, 0);
    }
    io.output.write(`${text}\n`);
    if (terminal) rl.prompt(true);
  };
  const notice = (message: string) => print(`[mc-console] ${message}`);

  const rcon = new RconClient({
    target: { path: config.CONSOLE_SOCKET },
    password: config.CONSOLE_PASSWORD,
    commandTimeoutMs: config.CONSOLE_TIMEOUT,
    backoff: { minMs: 200, maxMs: 2_000 },
  });
  let everReady = false;
  rcon.on('ready', () => {
    notice(everReady ? `reconnected to ${config.CONSOLE_SOCKET}` : `connected to ${config.CONSOLE_SOCKET}`);
    everReady = true;
  });
  rcon.on('disconnect', (error) => notice(`lost the bridge (${error.message}); reconnecting`));
  const logs = config.CONSOLE_LOG_SOCKET ? new LogStream({ path: config.CONSOLE_LOG_SOCKET, onLine: print, onStatus: notice }) : undefined;
  logs?.start();
  rcon.connect().catch((error: Error) => notice(`${error.message}; retrying in the background`));

  rl.on('SIGINT', () => {
    rl.write(null, { ctrl: true, name: 'u' });
    notice('type "exit" or press Ctrl-D to leave');
  });
  rl.on('line', (raw) => {
    const line = raw.trim();
    if (line === '') return rl.prompt();
    if (line === 'exit' || line === 'quit') return rl.close();
    if (config.CONSOLE_HISTORY_FILE) {
      try {
        appendFileSync(config.CONSOLE_HISTORY_FILE, `${line}\n`);
      } catch {
        // history is a convenience
      }
    }
    rcon.command(line.replace(/^\//, '')).then(
      (reply) => {
        if (reply !== '') print(reply);
        else rl.prompt();
      },
      (error: Error) => print(`error: ${error.message}`),
    );
    rl.prompt();
  });
  rl.prompt();
  await new Promise<void>((resolve) => rl.once('close', () => resolve()));
  logs?.stop();
  await rcon.close();
  if (terminal) io.output.write('\n');
  return 0;
}
