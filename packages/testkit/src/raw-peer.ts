import { connect, type Socket } from 'node:net';
import { encodePacket, type Packet, PacketDecoder } from '@homelab/rcon';
import { closeAfter, waitFor } from '@homelab/testkit-base';

/** A bare RCON peer for tests: writes exactly what it is told, collects every packet and the close (closed by `useCleanup`). */
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
      socket.once('connect', () => {
        const peer = new RawPeer(socket);
        closeAfter(() => peer.close());
        resolve(peer);
      });
      socket.once('error', reject);
    });
  }

  send(id: number, type: number, payload = ''): void {
    this.socket.write(encodePacket(id, type, payload));
  }

  /** Sends one packet and waits for the next packet back. */
  async request(id: number, type: number, payload: string): Promise<Packet> {
    const before = this.packets.length;
    this.send(id, type, payload);
    await waitFor(() => this.packets.length > before, { what: `a reply to ${JSON.stringify(payload.slice(0, 40))}` });
    return this.packets.at(-1) as Packet;
  }

  /** `request`, resolving with the reply's payload. */
  async ask(id: number, type: number, payload: string): Promise<string> {
    return (await this.request(id, type, payload)).payload;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}
