import { existsSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { listenUnixSocket } from '@homelab/core/unix-socket';
import type { RconLog } from './client.js';
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
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.listenPath && existsSync(this.listenPath)) {
      try {
        unlinkSync(this.listenPath);
      } catch {
        // already gone
      }
    }
  }

  private accept(socket: Socket): void {
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

    const send = (id: number, type: number, payload: string) => {
      if (socket.destroyed) return;
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
      drain().catch((error: unknown) => {
        // Never an unhandled rejection: this connection ends, the server goes on.
        log.warn({ connectionId, err: error instanceof Error ? error.message : String(error) }, 'rcon connection failed');
        socket.destroy();
      });
    });
    socket.on('error', (error) => log.debug({ connectionId, err: error.message }, 'rcon client socket error'));
    socket.on('close', () => {
      this.sockets.delete(socket);
      controller.abort(new RconError('DISCONNECTED', 'the client disconnected'));
      pending.length = 0;
      log.debug({ connectionId }, 'rcon client disconnected');
    });
  }
}
