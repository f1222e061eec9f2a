/** How mc-backup reads an RCON reply: vanilla's wording and the bridge's own refusals. */

/** An RCON reply that says the command did not do its job (vanilla wording and bridge refusals). */
export const FAILED_REPLY = /unknown|refus|not allowed|denied|unable|failed|error|incorrect/i;

export class RconReplyError extends Error {
  override readonly name: string = 'RconReplyError';
}

/** The bridge answered that its server is down: nothing was sent. */
export class ServerDownError extends RconReplyError {
  override readonly name = 'ServerDownError';
}
