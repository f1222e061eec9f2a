/** Why the server closed a client by itself (the client gets one reply naming it, then the end). */
export type RconCloseReason =
  | { kind: 'too-many'; connected: number; max: number }
  | { kind: 'no-login'; ms: number }
  | { kind: 'half-packet'; ms: number }
  | { kind: 'idle'; ms: number };

/** The default text of a close reply (the bridge words its own, naming its settings). */
export function describeClose(reason: RconCloseReason): string {
  switch (reason.kind) {
    case 'too-many':
      return `too many clients (${reason.connected} connected, at most ${reason.max}); try again later`;
    case 'no-login':
      return `no login within ${reason.ms} ms; closing the connection`;
    case 'half-packet':
      return `half a packet and nothing more for ${reason.ms} ms; closing the connection`;
    case 'idle':
      return `no request for ${reason.ms} ms; closing the connection`;
  }
}

export interface DeadlineOptions {
  /** Log in within this after connecting, and finish a packet within this of its first byte. */
  clientTimeoutMs?: number;
  /** A logged-in client with nothing in flight that sends nothing for this long is closed. */
  idleTimeoutMs?: number;
}

/**
 * The two clocks of one connection. The short one runs until the login and whenever part of a
 * packet waits for its rest (a client that sends half a frame never holds a slot for long); the
 * idle one runs while a logged-in client has nothing in flight. Neither runs while a request is
 * being handled: a slow `save-all flush` is not idleness.
 */
export class ClientDeadlines {
  private short: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: DeadlineOptions,
    private readonly expire: (reason: RconCloseReason) => void,
    private readonly halfPacket: () => boolean,
  ) {
    this.armShort();
  }

  /**
   * After bytes arrived or a request finished: `loggedIn`, whether the client waits for nothing,
   * and whether the server paused reading it (the rest of a packet then waits on us, not on it).
   */
  update(loggedIn: boolean, quiet: boolean, paused = false): void {
    if (paused) {
      this.stop();
      return;
    }
    if (!loggedIn || this.halfPacket()) this.armShort();
    else this.clearShort();
    if (loggedIn && quiet && !this.halfPacket()) this.armIdle();
    else this.clearIdle();
  }

  stop(): void {
    this.clearShort();
    this.clearIdle();
  }

  private armShort(): void {
    const ms = this.opts.clientTimeoutMs;
    if (ms === undefined || this.short) return;
    this.short = setTimeout(() => {
      this.short = undefined;
      this.expire(this.halfPacket() ? { kind: 'half-packet', ms } : { kind: 'no-login', ms });
    }, ms);
  }

  private clearShort(): void {
    clearTimeout(this.short);
    this.short = undefined;
  }

  private armIdle(): void {
    const ms = this.opts.idleTimeoutMs;
    if (ms === undefined) return;
    clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      this.idle = undefined;
      this.expire({ kind: 'idle', ms });
    }, ms);
  }

  private clearIdle(): void {
    clearTimeout(this.idle);
    this.idle = undefined;
  }
}
