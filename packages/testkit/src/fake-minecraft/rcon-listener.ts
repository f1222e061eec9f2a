import type { Socket } from 'node:net';
import { javaUtf8 } from './java-text.js';
import type { VanillaLog } from './log.js';
import { TcpListener } from './tcp-listener.js';

/** Vanilla's RconClient reads into this buffer: one read must be exactly one packet. */
const READ_BUFFER = 1460;

export interface RconListenerOptions {
  host: string;
  port: number;
  password: string;
  log: VanillaLog;
  /** Runs a command and returns the text the shared RCON output buffer holds afterwards. */
  runCommand(command: string): Promise<string>;
}

/**
 * A faithful copy of vanilla's RCON threads: each read must hold exactly one whole packet (two
 * packets in one read, or a request over 1460 bytes, drop the connection), a wrong or empty
 * password and a command before login get id -1, other types get `Unknown request <hex>`,
 * responses go out in 4096-char fragments with no end marker, each request is answered before
 * the next read. Unlike vanilla it logs why it dropped a connection (tests assert on that line).
 */
export class RconListener extends TcpListener {
  private clientCount = 0;
  /** Connections dropped because a read was not exactly one packet. */
  drops = 0;

  constructor(private readonly opts: RconListenerOptions) {
    super(opts);
  }

  override close(): void {
    super.close();
    this.opts.log.info('Thread RCON Listener stopped');
  }

  protected accept(socket: Socket): void {
    const n = ++this.clientCount;
    const who = `RCON Client /${(socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '')}`;
    const thread = `${who} #${n}`;
    const log = this.opts.log;
    log.info(`Thread ${who} started`, 'RCON Listener #1');
    socket.setNoDelay(true);
    // The kernel's receive buffer as the blocked Java thread sees it on its next read().
    let inbox: Buffer = Buffer.alloc(0);
    let busy = false;
    let authed = false;
    let closed = false;

    const send = (id: number, type: number, message: string) => {
      const body = javaUtf8(message);
      const out = Buffer.alloc(14 + body.length);
      out.writeInt32LE(body.length + 10, 0);
      out.writeInt32LE(id, 4);
      out.writeInt32LE(type, 8);
      body.copy(out, 12);
      if (!socket.destroyed) socket.write(out);
    };
    const sendResponse = (id: number, message: string) => {
      let rest = message;
      do {
        send(id, 0, rest.slice(0, 4096));
        rest = rest.slice(4096);
      } while (rest.length > 0);
    };
    const drop = (why: string) => {
      if (closed) return;
      this.drops++;
      log.warn(`dropped connection: ${why}`, thread);
      socket.destroy();
    };

    const readOnce = async () => {
      const read = inbox.subarray(0, READ_BUFFER);
      inbox = inbox.subarray(read.length);
      if (read.length < 10) return drop(`read of ${read.length} bytes is shorter than a packet`);
      const length = read.readInt32LE(0);
      if (length !== read.length - 4) {
        const why =
          read.length - 4 > length && length >= 10
            ? `one read held more than one packet (${read.length} bytes, first packet ${length + 4})`
            : `one read held ${read.length} bytes but the length field says ${length + 4}`;
        return drop(why);
      }
      const id = read.readInt32LE(4);
      const type = read.readInt32LE(8);
      const payload = read.toString('utf8', 12, read.length - 2).replace(/\0+$/, '');
      if (type === 2) {
        if (!authed) return send(-1, 2, '');
        let output: string;
        try {
          output = await this.opts.runCommand(payload);
        } catch (error) {
          output = `Error executing: ${payload} (${error instanceof Error ? error.message : String(error)})`;
        }
        return sendResponse(id, output);
      }
      if (type === 3) {
        authed = payload !== '' && payload === this.opts.password;
        return authed ? send(id, 2, '') : send(-1, 2, '');
      }
      sendResponse(id, `Unknown request ${(type >>> 0).toString(16)}`);
    };

    const pump = async () => {
      if (busy) return;
      busy = true;
      try {
        while (inbox.length > 0 && !socket.destroyed) await readOnce();
      } finally {
        busy = false;
      }
    };

    socket.on('data', (chunk: Buffer) => {
      inbox = inbox.length === 0 ? chunk : Buffer.concat([inbox, chunk]);
      void pump();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      log.info(`Thread ${who} shutting down`, thread);
    });
  }
}
