/** Machine-readable reasons an RCON operation failed. */
export type RconErrorCode =
  /** The server rejected the password (reply id -1). */
  | 'AUTH_FAILED'
  /** No reply within the timeout (the connection is reset, since a late reply would be misread). */
  | 'TIMEOUT'
  /** The connection dropped or is down (reconnecting in the background). */
  | 'DISCONNECTED'
  /** The connection could not be set up: ECONNREFUSED, ENOENT, EACCES, or reset/closed during login. */
  | 'REFUSED'
  /** The caller's AbortSignal fired. */
  | 'ABORTED'
  /** close() was called. */
  | 'CLOSED'
  /** The peer sent bytes that are not RCON (bad length field, oversized packet). */
  | 'PROTOCOL'
  /** The request itself is not allowed (e.g. a payload over the server's 1446-byte limit). */
  | 'TOO_LARGE';

/** Every failure of the RCON client or codec: `code` says why, `cause` keeps the socket error. */
export class RconError extends Error {
  override readonly name = 'RconError';
  readonly exitCode = 1;
  constructor(
    readonly code: RconErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isRconError(error: unknown, code?: RconErrorCode): error is RconError {
  return error instanceof RconError && (code === undefined || error.code === code);
}
