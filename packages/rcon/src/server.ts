import { existsSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { listenUnixSocket } from '@homelab/core/unix-socket';
import type { RconLog } from './client.js';
import { ClientDeadlines, describeClose, type RconCloseReason } from './client-deadlines.js';
import { encodePacket, MAX_REQUEST_PAYLOAD, type Packet, PacketDecoder, PacketType, splitResponse } from './codec.js';
import { RconError } from './errors.js';

export interface RconRequestContext {
  /** A number per accepted connection, for logs. */
  connectionId: number;
  /** Aborted when the client disconnects (a queued command is then dropped). */
  signal: AbortSignal;
}

export interface RconServerOptions {
  /** Logins must carry this password; undefined accepts any login (the socket's file mode guards). */
  password?: string;
  /** Runs one command and returns its full response; a throw becomes a reply via `errorReply`. */
  handle(command: string, ctx: RconRequestContext): Promise<string>;
  /** The reply text for a failed command. */
  errorReply?(error: unknown, command: string): string;
  /** The reply to a request over `maxRequestPayload`. */
  tooLargeReply?(bytes: number, max: number): string;
  /** Requests with a larger payload are answered with a refusal and never handled. Default 1446. */
  maxRequestPayload?: number;
  /** A length field above this closes the connection (garbage, 2^31...). Default 64 KiB. */
  maxPacketLength?: number;
  /** Reading from a client pauses while this many of its requests wait. Default 16. */
  maxPendingPerConnection?: number;
  /** A client whose unread replies exceed this is disconnected. Default 4 MiB. */
  maxUnreadBytes?: number;
  /** More connections at once get a close reply and are closed. Default 64. */
  maxConnections?: number;
  /** Log in within this, and finish each packet within this of its first byte. Default 10 s. */
  clientTimeoutMs?: number;
  /** A logged-in client with nothing in flight that sends nothing for this long is closed. Default 12 h. */
  idleTimeoutMs?: number;
  /** The text of the one reply (id -1) a client gets before the server closes it by itself. */
  closeReply?(reason: RconCloseReason): string;
  log?: RconLog;
}

export type RconListen = { path: string; mode?: number } | { host: string; port: number };

const noopLog: RconLog = { debug() {}, info() {}, warn() {} };

/**
 * The server side of the Source RCON protocol, as the vanilla server answers it (login reply
 * type 2, -1 on a bad password or a command before login, `Unknown request <hex>` for other
 * types, responses split every 4096 chars) but lenient in reading: any framing of the byte
 * stream is accepted, and each client's requests are handled one at a time, in order.
 */
export class RconServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Connections being closed by the server (refused, timed out): not counted, still destroyed on close(). */
  private readonly closing = new Set<Socket>();
  private readonly log: RconLog;
  private nextConnectionId = 0;
  private listenPath: string | undefined;

  constructor(private readonly opts: RconServerOptions) {
    this.log = opts.log ?? noopLog;
    this.server = createServer((socket) => this.accept(socket));
    this.server.on('error', (error) => this.log.warn({ err: error.message }, 'rcon server error'));
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** Listens on a unix socket (stale socket file replaced, mode applied) or TCP; resolves the address. */
  async listen(where: RconListen): Promise<string> {
    if ('path' in where) {
      await listenUnixSocket(this.server, where.path, where.mode ?? 0o660);
      this.listenPath = where.path;
      return where.path;
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(where.port, where.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    return typeof address === 'object' && address ? `${address.address}:${address.port}` : String(address);
  }

  /** Stops accepting, closes every client connection and removes the socket file. */
  async close(): Promise<void> {
    for (const socket of [...this.sockets, ...this.closing]) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.listenPath && existsSync(this.listenPath)) {
      try {
        unlinkSync(this.listenPath);
      } catch {
        // already gone
      }
    }
  }

  /** One reply (id -1, so it answers no request) that says why, then the end of the connection. */
  private closeWith(socket: Socket, reason: RconCloseReason): void {
    this.sockets.delete(socket);
    this.closing.add(socket);
    socket.once('close', () => this.closing.delete(socket));
    socket.on('error', () => {});
    socket.removeAllListeners('data');
    socket.resume(); // what the client still sends is read and dropped, so the end goes through
    const text = this.opts.closeReply?.(reason) ?? `error: ${describeClose(reason)}`;
    this.log.warn({ ...reason }, `closing an rcon client: ${text}`);
    socket.end(encodePacket(-1, PacketType.RESPONSE, text));
    // A client that does not read cannot hold the connection open.
    setTimeout(() => socket.destroy(), 2_000).unref();
  }

  private accept(socket: Socket): void {
    const maxConnections = this.opts.maxConnections ?? 64;
    if (this.sockets.size >= maxConnections) {
      this.closeWith(socket, { kind: 'too-many', connected: this.sockets.size, max: maxConnections });
      return;
    }
    const connectionId = ++this.nextConnectionId;
    const log = this.log;
    const decoder = new PacketDecoder({ maxPacketLength: this.opts.maxPacketLength ?? 64 * 1024 });
    const maxPending = this.opts.maxPendingPerConnection ?? 16;
    const maxUnread = this.opts.maxUnreadBytes ?? 4 * 1024 * 1024;
    const maxPayload = this.opts.maxRequestPayload ?? MAX_REQUEST_PAYLOAD;
    const controller = new AbortController();
    const pending: Packet[] = [];
    let authed = false;
    let busy = false;
    let paused = false;
    this.sockets.add(socket);
    log.debug({ connectionId }, 'rcon client connected');
    const deadlines = new ClientDeadlines(
      { clientTimeoutMs: this.opts.clientTimeoutMs ?? 10_000, idleTimeoutMs: this.opts.idleTimeoutMs ?? 12 * 3_600_000 },
      (reason) => {
        if (socket.destroyed || !this.sockets.has(socket)) return;
        controller.abort(new RconError('DISCONNECTED', describeClose(reason)));
        pending.length = 0;
        this.closeWith(socket, reason);
      },
      () => decoder.pending > 0,
    );
    const quiet = () => !busy && pending.length === 0;

    const send = (id: number, type: number, payload: string) => {
      if (socket.destroyed || socket.writableEnded) return;
      socket.write(encodePacket(id, type, payload));
      if (socket.writableLength > maxUnread) {
        log.warn({ connectionId, unread: socket.writableLength }, 'rcon client does not read its replies; disconnecting it');
        socket.destroy();
      }
    };

    const handleOne = async (packet: Packet) => {
      if (packet.type === PacketType.LOGIN) {
        const ok = this.opts.password === undefined || (packet.payload !== '' && packet.payload === this.opts.password);
        authed = ok;
        if (!ok) log.warn({ connectionId }, 'rcon client login with a wrong password');
        deadlines.update(authed, false, paused);
        return send(ok ? packet.id : -1, PacketType.COMMAND, '');
      }
      if (packet.type !== PacketType.COMMAND) {
        return send(packet.id, PacketType.RESPONSE, `Unknown request ${(packet.type >>> 0).toString(16)}`);
      }
      if (!authed) return send(-1, PacketType.COMMAND, '');
      let reply: string;
      if (packet.payloadBytes > maxPayload) {
        reply =
          this.opts.tooLargeReply?.(packet.payloadBytes, maxPayload) ??
          `refused: a request of ${packet.payloadBytes} bytes is over the ${maxPayload}-byte limit of the Minecraft RCON server`;
      } else {
        try {
          reply = await this.opts.handle(packet.payload, { connectionId, signal: controller.signal });
        } catch (error) {
          reply = this.opts.errorReply?.(error, packet.payload) ?? `error: ${error instanceof Error ? error.message : String(error)}`;
        }
      }
      for (const fragment of splitResponse(reply)) send(packet.id, PacketType.RESPONSE, fragment);
    };

    const drain = async () => {
      if (busy) return;
      busy = true;
      try {
        for (let packet = pending.shift(); packet && !socket.destroyed; packet = pending.shift()) {
          await handleOne(packet);
          if (paused && pending.length < maxPending) {
            paused = false;
            socket.resume();
          }
        }
      } finally {
        busy = false;
        deadlines.update(authed, quiet(), paused);
      }
    };

    socket.on('data', (chunk: Buffer) => {
      let packets: Packet[];
      try {
        packets = decoder.push(chunk);
      } catch (error) {
        log.warn(
          { connectionId, err: error instanceof RconError ? error.message : String(error) },
          'rcon client sent bytes that are not RCON; disconnecting it',
        );
        socket.destroy();
        return;
      }
      pending.push(...packets);
      if (pending.length >= maxPending && !paused) {
        paused = true;
        socket.pause();
      }
      deadlines.update(authed, quiet(), paused);
      drain().catch((error: unknown) => {
        // Never an unhandled rejection: this connection ends, the server goes on.
        log.warn({ connectionId, err: error instanceof Error ? error.message : String(error) }, 'rcon connection failed');
        socket.destroy();
      });
    });
    socket.on('error', (error) => log.debug({ connectionId, err: error.message }, 'rcon client socket error'));
    socket.on('close', () => {
      deadlines.stop();
      this.sockets.delete(socket);
      controller.abort(new RconError('DISCONNECTED', 'the client disconnected'));
      pending.length = 0;
      log.debug({ connectionId }, 'rcon client disconnected');
    });
  }
}
