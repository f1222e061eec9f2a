import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { encodePacket, MAX_REQUEST_PAYLOAD, type Packet, PacketDecoder, PacketType, PROBE_TYPE, RESPONSE_FRAGMENT_CHARS } from './codec.js';
import { RconError, type RconErrorCode } from './errors.js';

/** Where the RCON server listens: TCP or a unix socket (e.g. the bridge's). */
export type RconTarget = { host: string; port: number } | { path: string };

/** The few logger methods the client uses (a pino logger fits). */
export interface RconLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface RconClientOptions {
  target: RconTarget;
  password: string;
  /** Connect + login must finish within this. Default 5 s. */
  connectTimeoutMs?: number;
  /** Default per-command timeout (queue wait included). Default 30 s. */
  commandTimeoutMs?: number;
  /** Keep reconnecting in the background after a drop or a failed connect. Default true. */
  reconnect?: boolean;
  /** Reconnect backoff: starts at `minMs`, doubles up to `maxMs`. Default 200 ms .. 5 s. */
  backoff?: { minMs?: number; maxMs?: number };
  /** Gap before the end-of-response probe is sent after a 4096-char fragment. Default 2 ms. */
  probeGapMs?: number;
  /** Requests larger than this are refused locally (vanilla's limit is 1446 bytes). */
  maxPayloadBytes?: number;
  /** At most this many commands wait; more are refused. Default 10,000. */
  maxQueue?: number;
  log?: RconLog;
}

export interface CommandOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type RconState = 'idle' | 'connecting' | 'ready' | 'backoff' | 'closed';

interface Job {
  text: string;
  resolve(text: string): void;
  reject(error: RconError): void;
  timer?: NodeJS.Timeout;
  cleanup(): void;
  done: boolean;
}

interface InFlight {
  job: Job;
  id: number;
  fragments: string[];
  probeId?: number;
  /** Set when the caller gave up while the command was on the wire. */
  stallTimer?: NodeJS.Timeout;
}

export interface RconClientEvents {
  state: [RconState];
  ready: [];
  disconnect: [RconError];
}

const noopLog: RconLog = { debug() {}, info() {}, warn() {} };

/**
 * An RCON client that speaks vanilla Minecraft's dialect safely: one request on the wire at a
 * time (an internal FIFO), replies matched by id, long replies reassembled (a 4096-char fragment
 * is followed by a type-100 probe whose `Unknown request 64` reply marks the end), a timeout per
 * command, background reconnects with backoff. Socket errors never escape as 'error' events.
 */
export class RconClient extends EventEmitter<RconClientEvents> {
  private readonly opts: Required<Omit<RconClientOptions, 'backoff' | 'log'>> & { backoff: { minMs: number; maxMs: number } };
  private readonly log: RconLog;
  private socket: Socket | undefined;
  private decoder = new PacketDecoder();
  private stateValue: RconState = 'idle';
  private queue: Job[] = [];
  private current: InFlight | undefined;
  private nextIdValue = 0;
  private backoffMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private lastError: RconError | undefined;
  private everConnected = false;
  /** The text of a reply that answered no request (a server saying why it closes), for the error. */
  private notice = '';
  /** Successful connections after the first one. */
  reconnects = 0;

  constructor(options: RconClientOptions) {
    super();
    this.opts = {
      target: options.target,
      password: options.password,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      commandTimeoutMs: options.commandTimeoutMs ?? 30_000,
      reconnect: options.reconnect ?? true,
      backoff: { minMs: options.backoff?.minMs ?? 200, maxMs: options.backoff?.maxMs ?? 5_000 },
      probeGapMs: options.probeGapMs ?? 2,
      maxPayloadBytes: options.maxPayloadBytes ?? MAX_REQUEST_PAYLOAD,
      maxQueue: options.maxQueue ?? 10_000,
    };
    this.log = options.log ?? noopLog;
    this.backoffMs = this.opts.backoff.minMs;
  }

  get state(): RconState {
    return this.stateValue;
  }

  /** Commands waiting, including the one on the wire. */
  get queueDepth(): number {
    return this.queue.length + (this.current ? 1 : 0);
  }

  get target(): string {
    const t = this.opts.target;
    return 'path' in t ? t.path : `${t.host}:${t.port}`;
  }

  /**
   * Connects and logs in. Resolves when ready; rejects with REFUSED, AUTH_FAILED, TIMEOUT or
   * DISCONNECTED. With `reconnect`, a failed attempt keeps retrying in the background until close().
   */
  connect(): Promise<void> {
    if (this.stateValue === 'closed') return Promise.reject(this.closedError());
    if (this.stateValue === 'ready') return Promise.resolve();
    if (this.connecting) return this.connecting;
    clearTimeout(this.retryTimer);
    this.connecting = this.attempt().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Runs one command and resolves with its whole response. */
  command(text: string, opts: CommandOptions = {}): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      if (this.stateValue === 'closed') return reject(this.closedError());
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes > this.opts.maxPayloadBytes) {
        return reject(
          new RconError('TOO_LARGE', `command of ${bytes} bytes is over the ${this.opts.maxPayloadBytes}-byte limit of the RCON server`),
        );
      }
      if (opts.signal?.aborted)
        return reject(new RconError('ABORTED', 'command aborted before it was sent', { cause: opts.signal.reason }));
      if (this.stateValue === 'backoff') return reject(this.downError());
      if (this.queue.length >= this.opts.maxQueue) {
        return reject(new RconError('DISCONNECTED', `too many queued RCON commands (${this.queue.length}); try again later`));
      }
      const job: Job = {
        text,
        done: false,
        resolve: (value) => {
          if (job.done) return;
          job.done = true;
          job.cleanup();
          resolve(value);
        },
        reject: (error) => {
          if (job.done) return;
          job.done = true;
          job.cleanup();
          reject(error);
        },
        cleanup: () => {
          clearTimeout(job.timer);
          opts.signal?.removeEventListener('abort', onAbort);
        },
      };
      const onAbort = () =>
        this.abandon(job, new RconError('ABORTED', `command "${preview(text)}" aborted`, { cause: opts.signal?.reason }));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const timeoutMs = opts.timeoutMs ?? this.opts.commandTimeoutMs;
      job.timer = setTimeout(() => this.onTimeout(job, timeoutMs), timeoutMs);
      this.queue.push(job);
      if (this.stateValue === 'idle') this.connect().catch(() => {});
      else this.pump();
    });
  }

  /** Stops reconnecting, fails pending commands with CLOSED and closes the socket. */
  async close(): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.setState('closed');
    clearTimeout(this.retryTimer);
    this.failAll(this.closedError());
    const socket = this.socket;
    this.socket = undefined;
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.end();
        setTimeout(() => socket.destroy(), 500).unref();
      });
    }
  }

  private attempt(): Promise<void> {
    this.setState('connecting');
    return new Promise<void>((resolve, reject) => {
      const target = this.opts.target;
      const socket = 'path' in target ? netConnect({ path: target.path }) : netConnect({ host: target.host, port: target.port });
      this.socket = socket;
      this.decoder = new PacketDecoder();
      socket.setNoDelay(true);
      let loginId: number | undefined;
      let settled = false;
      this.notice = '';
      const timer = setTimeout(
        () => fail(new RconError('TIMEOUT', `connecting to RCON at ${this.target} timed out after ${this.opts.connectTimeoutMs} ms`)),
        this.opts.connectTimeoutMs,
      );
      const fail = (error: RconError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (this.socket === socket) this.socket = undefined;
        this.lastError = error;
        if (this.stateValue !== 'closed') {
          this.failAll(error);
          this.scheduleRetry();
        }
        reject(error);
      };
      socket.on('connect', () => {
        loginId = this.nextId();
        socket.write(encodePacket(loginId, PacketType.LOGIN, this.opts.password));
      });
      socket.on('data', (chunk: Buffer) => {
        if (this.socket !== socket) return;
        let packets: Packet[];
        try {
          packets = this.decoder.push(chunk);
        } catch (error) {
          const err = error instanceof RconError ? error : new RconError('PROTOCOL', String(error));
          if (!settled) return fail(err);
          return this.onDrop(socket, err);
        }
        for (const packet of packets) {
          if (!settled) {
            // Source-style servers send an empty RESPONSE before the login reply: skip it (a text says why it closes).
            if (packet.type === PacketType.RESPONSE) {
              if (packet.payload) this.notice = packet.payload;
              continue;
            }
            if (packet.id === -1) return fail(new RconError('AUTH_FAILED', `RCON at ${this.target} rejected the password`));
            if (packet.id === loginId && packet.type === PacketType.COMMAND) {
              settled = true;
              clearTimeout(timer);
              this.onReady();
              resolve();
            }
            continue;
          }
          this.onPacket(packet);
        }
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (!settled) {
          const refused = ['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE'].includes(error.code ?? '');
          fail(
            new RconError(refused ? 'REFUSED' : 'DISCONNECTED', `cannot connect to RCON at ${this.target}: ${error.message}`, {
              cause: error,
            }),
          );
        } else {
          this.onDrop(
            socket,
            new RconError('DISCONNECTED', `RCON connection to ${this.target} failed: ${error.message}`, { cause: error }),
          );
        }
      });
      socket.on('close', () => {
        const why = this.notice ? `: ${this.notice}` : '';
        if (!settled) fail(new RconError('REFUSED', `RCON at ${this.target} closed the connection during login${why}`));
        else this.onDrop(socket, new RconError('DISCONNECTED', `RCON connection to ${this.target} closed${why}`));
      });
    });
  }

  private onReady(): void {
    if (this.everConnected) this.reconnects++;
    this.everConnected = true;
    this.backoffMs = this.opts.backoff.minMs;
    this.lastError = undefined;
    this.setState('ready');
    this.log.info({ target: this.target }, 'rcon connected');
    this.emit('ready');
    this.pump();
  }

  private onDrop(socket: Socket, error: RconError): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    socket.destroy();
    if (this.stateValue === 'closed') return;
    this.lastError = error;
    this.log.warn({ target: this.target, err: error.message }, 'rcon connection lost');
    this.failAll(error);
    this.emit('disconnect', error);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stateValue === 'closed') return;
    if (!this.opts.reconnect) {
      this.setState('idle');
      return;
    }
    this.setState('backoff');
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.backoff.maxMs);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.connect().catch((error: RconError) => this.log.debug({ target: this.target, err: error.message }, 'rcon reconnect failed'));
    }, delay);
    this.retryTimer.unref();
  }

  private pump(): void {
    if (this.stateValue !== 'ready' || this.current || !this.socket) return;
    const job = this.queue.shift();
    if (!job) return;
    const id = this.nextId();
    this.current = { job, id, fragments: [] };
    this.socket.write(encodePacket(id, PacketType.COMMAND, job.text));
  }

  private onPacket(packet: Packet): void {
    const cur = this.current;
    // A text reply with id -1 answers no request: the server says why it is about to close.
    if (packet.id === -1 && packet.type === PacketType.RESPONSE && packet.payload) {
      this.notice = packet.payload;
      return;
    }
    if (!cur) {
      this.log.debug({ id: packet.id }, 'rcon reply without a request; ignored');
      return;
    }
    if (packet.id === -1) {
      const error = new RconError('AUTH_FAILED', `RCON at ${this.target} answered -1 (not logged in)`);
      this.current = undefined;
      cur.job.reject(error);
      this.reset(error);
      return;
    }
    if (packet.id === cur.probeId) {
      this.finish(cur);
      return;
    }
    if (packet.id !== cur.id) {
      this.log.debug({ id: packet.id, expected: cur.id }, 'rcon reply with a stale id; ignored');
      return;
    }
    cur.fragments.push(packet.payload);
    if (cur.probeId !== undefined) return;
    if (packet.payload.length < RESPONSE_FRAGMENT_CHARS) {
      this.finish(cur);
      return;
    }
    // Exactly 4096 chars: more may follow, or not. The probe's reply comes after the last fragment.
    const probeId = this.nextId();
    cur.probeId = probeId;
    const socket = this.socket;
    setTimeout(() => {
      if (this.current === cur && this.socket === socket) socket?.write(encodePacket(probeId, PROBE_TYPE, ''));
    }, this.opts.probeGapMs);
  }

  private finish(cur: InFlight): void {
    clearTimeout(cur.stallTimer);
    this.current = undefined;
    cur.job.resolve(cur.fragments.join(''));
    this.pump();
  }

  private onTimeout(job: Job, timeoutMs: number): void {
    const error = new RconError('TIMEOUT', `RCON command "${preview(job.text)}" got no reply within ${timeoutMs} ms`);
    if (this.current?.job === job) {
      // The reply may still come and would be taken for the next command's: start over.
      this.current = undefined;
      job.reject(error);
      this.reset(error);
      return;
    }
    this.queue = this.queue.filter((j) => j !== job);
    job.reject(error);
  }

  /** The caller gave up: a queued command is dropped; one on the wire finishes silently. */
  private abandon(job: Job, error: RconError): void {
    this.queue = this.queue.filter((j) => j !== job);
    job.reject(error);
    const cur = this.current;
    if (cur?.job === job) {
      // Still bound by a timeout, so a hung server cannot stall the queue forever.
      cur.stallTimer = setTimeout(() => {
        if (this.current !== cur) return;
        this.current = undefined;
        this.reset(new RconError('TIMEOUT', `abandoned RCON command "${preview(job.text)}" got no reply`));
      }, this.opts.commandTimeoutMs);
    }
  }

  /** Drops the connection but keeps the queue, and reconnects right away. */
  private reset(reason: RconError): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
    if (this.stateValue === 'closed') return;
    this.log.warn({ target: this.target, err: reason.message }, 'rcon connection reset');
    this.setState('idle');
    this.emit('disconnect', reason);
    this.connect().catch(() => {});
  }

  private failAll(error: RconError): void {
    const cur = this.current;
    clearTimeout(cur?.stallTimer);
    this.current = undefined;
    cur?.job.reject(error);
    const queued = this.queue;
    this.queue = [];
    for (const job of queued) job.reject(error);
  }

  private nextId(): number {
    this.nextIdValue = this.nextIdValue >= 0x7fffffff ? 1 : this.nextIdValue + 1;
    return this.nextIdValue;
  }

  private setState(state: RconState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit('state', state);
  }

  private downError(): RconError {
    const why = this.lastError ? `: ${this.lastError.message}` : '';
    const code: RconErrorCode = 'DISCONNECTED';
    return new RconError(code, `not connected to RCON at ${this.target} (reconnecting)${why}`, { cause: this.lastError });
  }

  private closedError(): RconError {
    return new RconError('CLOSED', `RCON client for ${this.target} is closed`);
  }
}

function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
