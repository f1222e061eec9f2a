import { connect } from 'node:net';
import { decodeFrame, encodeFrame, readString, varInt, writeString } from './protocol.js';

export interface MinecraftStatus {
  version: { name: string; protocol: number };
  players: { max: number; online: number };
  description: { text: string };
  /** Milliseconds from the ping to its pong. */
  pingMs: number;
}

/**
 * A Minecraft server list ping as the game's client sends it: handshake (next state status), status
 * request, then a ping whose pong must carry the same payload. Rejects on anything else.
 */
export function minecraftStatus(host: string, port: number, timeoutMs = 5_000): Promise<MinecraftStatus> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)));
    socket.on('error', fail);
    const payload = Buffer.alloc(8);
    payload.writeBigInt64BE(BigInt(Date.now()));
    let status: Omit<MinecraftStatus, 'pingMs'> | undefined;
    let pingAt = 0;
    let inbox = Buffer.alloc(0);
    socket.on('connect', () => {
      const port16 = Buffer.alloc(2);
      port16.writeUInt16BE(port);
      socket.write(encodeFrame(0, Buffer.concat([varInt(767), writeString(host), port16, varInt(1)])));
      socket.write(encodeFrame(0, Buffer.alloc(0)));
    });
    socket.on('data', (chunk: Buffer) => {
      inbox = Buffer.concat([inbox, chunk]);
      try {
        for (let frame = decodeFrame(inbox, 1 << 20); frame; frame = decodeFrame(inbox, 1 << 20)) {
          inbox = inbox.subarray(frame.size);
          if (!status && frame.id === 0) {
            status = JSON.parse(readString(frame.body, 0).value) as Omit<MinecraftStatus, 'pingMs'>;
            pingAt = performance.now();
            socket.write(encodeFrame(1, payload));
          } else if (status && frame.id === 1) {
            if (!frame.body.subarray(0, 8).equals(payload)) return fail(new Error('pong with another payload'));
            socket.destroy();
            return resolve({ ...status, pingMs: Math.round(performance.now() - pingAt) });
          } else return fail(new Error(`unexpected packet ${frame.id}`));
        }
      } catch (error) {
        fail(error as Error);
      }
    });
    socket.on('close', () => reject(new Error(`${host}:${port} closed the connection before the pong`)));
  });
}
