import { parseBridgeReply, RconClient } from '@homelab/rcon';
import type { ConsoleConfig } from './config.js';

export interface ExecResult {
  reply: string;
  /** 0, or 1 when the bridge refused the command or could not run it. */
  code: number;
}

/** Runs one command through the bridge; connection failures throw RconError (exit 1). */
export async function execOnce(config: ConsoleConfig, command: string): Promise<ExecResult> {
  const rcon = new RconClient({
    target: { path: config.CONSOLE_SOCKET },
    password: config.CONSOLE_PASSWORD,
    commandTimeoutMs: config.CONSOLE_TIMEOUT,
    reconnect: false,
  });
  try {
    await rcon.connect();
    const reply = await rcon.command(command);
    // The bridge's own replies (refusals, upstream errors) are failures; the server's are output.
    return { reply, code: parseBridgeReply(reply) ? 1 : 0 };
  } finally {
    await rcon.close();
  }
}
