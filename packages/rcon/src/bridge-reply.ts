/**
 * Replies the rcon-bridge writes itself, never the server's: refusals (nothing went upstream) and
 * errors (the upstream could not run the command). Every one starts with `rcon-bridge: `, so a
 * client (mc-console, mc-backup) tells them from the server's replies. One copy of the format, for
 * the bridge that writes it and the clients that read it.
 */
export const BRIDGE_REPLY_PREFIX = 'rcon-bridge: ';

export type BridgeReply = { kind: 'error'; message: string } | { kind: 'refused'; command?: string; message: string };

/** `rcon-bridge: error: MESSAGE` */
export function bridgeError(message: string): string {
  return `${BRIDGE_REPLY_PREFIX}error: ${message}`;
}

/** `rcon-bridge: refused "COMMAND": WHY` or, without a command, `rcon-bridge: refused: WHY`. */
export function bridgeRefusal(why: string, command?: string): string {
  if (command === undefined) return `${BRIDGE_REPLY_PREFIX}refused: ${why}`;
  const shown = command.length > 60 ? `${command.slice(0, 60)}...` : command;
  return `${BRIDGE_REPLY_PREFIX}refused "${shown}": ${why}`;
}

/** Pure: the bridge's own reply, or undefined for a reply that came from the server. */
export function parseBridgeReply(reply: string): BridgeReply | undefined {
  if (!reply.startsWith(BRIDGE_REPLY_PREFIX)) return undefined;
  const rest = reply.slice(BRIDGE_REPLY_PREFIX.length).replace(/\n$/, '');
  if (rest.startsWith('error: ')) return { kind: 'error', message: rest.slice('error: '.length) };
  const quoted = /^refused "(.*?)(?:\.\.\.)?": ([\s\S]*)$/.exec(rest);
  if (quoted) return { kind: 'refused', command: quoted[1] as string, message: quoted[2] as string };
  if (rest.startsWith('refused: ')) return { kind: 'refused', message: rest.slice('refused: '.length) };
  return { kind: 'error', message: rest };
}

/** The bridge is up but its upstream server is not: nothing was sent (mc-backup backs up without pausing). */
export function isBridgeNotConnected(reply: string): boolean {
  const parsed = parseBridgeReply(reply);
  return parsed?.kind === 'error' && parsed.message.startsWith('not connected');
}
