import { createServer, type Server, type Socket } from 'node:net';

/**
 * What the game port and the RCON port share: a TCP server on host:port that keeps its open
 * connections, so `close()` stops listening and ends every one of them. Subclasses speak the protocol.
 */
export abstract class TcpListener {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly address: { host: string; port: number }) {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      this.accept(socket);
    });
  }

  /** Resolves with the bound port (the one asked for, or the one the kernel chose for 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.address.port, this.address.host, () => {
        const bound = this.server.address();
        resolve(typeof bound === 'object' && bound ? bound.port : this.address.port);
      });
    });
  }

  close(): void {
    this.server.close();
    for (const socket of this.sockets) socket.destroy();
  }

  protected abstract accept(socket: Socket): void;
}
