import type { Socket } from 'node:net';
import { decodeFrame, encodeFrame, readString, readVarInt, writeString } from './protocol.js';
import { TcpListener } from './tcp-listener.js';

/** What the status answer reports (vanilla 1.21.1: protocol 767). */
export const GAME_VERSION = { name: '1.21.1', protocol: 767 };
const MAX_FRAME = 32 * 1024;

export interface GameListenerOptions {
  host: string;
  port: number;
  motd: string;
  players: () => string[];
  /** One line per connection: who connected and what it asked (status or login). */
  log: (message: string) => void;
}

/**
 * The game port of the fake server: Minecraft's own framing (VarInt length, VarInt packet id) and the
 * two first states a client can ask for in its handshake. Status (the server list ping): the JSON
 * status, then the pong of a ping. Login: a login Disconnect (no real client can play here).
 */
export class GameListener extends TcpListener {
  constructor(private readonly opts: GameListenerOptions) {
    super(opts);
  }

  protected accept(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    socket.setTimeout(30_000, () => socket.destroy());
    const from = `${(socket.remoteAddress ?? '?').replace(/^::ffff:/, '')}:${socket.remotePort ?? 0}`;
    let state: 'handshake' | 'status' | 'done' = 'handshake';
    let inbox = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      inbox = Buffer.concat([inbox, chunk]);
      for (;;) {
        let frame: ReturnType<typeof decodeFrame>;
        try {
          frame = decodeFrame(inbox, MAX_FRAME);
        } catch {
          socket.destroy();
          return;
        }
        if (!frame) return;
        inbox = inbox.subarray(frame.size);
        const { id, body } = frame;
        if (state === 'handshake' && id === 0) {
          let at = 0;
          const protocol = readVarInt(body, at);
          at = protocol.next;
          const address = readString(body, at);
          at = address.next + 2; // the port (unsigned short) is not needed
          const next = readVarInt(body, at).value;
          if (next === 1) {
            state = 'status';
            this.opts.log(`status request from /${from}`);
          } else {
            this.opts.log(`login attempt from /${from} (protocol ${protocol.value}), disconnected: offline test server`);
            socket.end(encodeFrame(0, writeString(JSON.stringify({ text: 'This test server takes no players' }))));
            state = 'done';
          }
        } else if (state === 'status' && id === 0) {
          const players = this.opts.players();
          const status = {
            version: GAME_VERSION,
            players: {
              max: 20,
              online: players.length,
              sample: players.map((name) => ({ name, id: '00000000-0000-0000-0000-000000000000' })),
            },
            description: { text: this.opts.motd },
          };
          socket.write(encodeFrame(0, writeString(JSON.stringify(status))));
        } else if (state === 'status' && id === 1) {
          // Ping: the pong carries the same 8-byte payload, then vanilla closes.
          socket.end(encodeFrame(1, body.subarray(0, 8)));
          state = 'done';
        } else {
          socket.destroy();
          return;
        }
      }
    });
  }
}
