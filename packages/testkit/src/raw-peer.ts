import { connect, type Socket } from 'node:net';
import { encodePacket, type Packet, PacketDecoder } from '@homelab/rcon';

/** A bare RCON peer for tests: writes exactly what it is told, collects every packet and the close. */
export class RawPeer {
  readonly packets: Packet[] = [];
  closed = false;
  private readonly decoder = new PacketDecoder({ maxPacketLength: 1 << 20 });
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.packets.push(...this.decoder.push(chunk)));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static open(target: { path: string } | { host: string; port: number }): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = 'path' in target ? connect(target.path) : connect(target.port, target.host);
      socket.once('connect', () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  send(id: number, type: number, payload = ''): void {
    this.socket.write(encodePacket(id, type, payload));
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}
