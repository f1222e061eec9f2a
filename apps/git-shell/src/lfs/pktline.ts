import type { Readable, Writable } from 'node:stream';

/** git's pkt-line framing as the git-lfs SSH protocol uses it: 4 hex digits of length (header included). */
export type Packet = { kind: 'data'; data: Buffer } | { kind: 'flush' } | { kind: 'delim' };

/** Largest payload of one packet (65520 minus the 4-byte header). */
export const MAX_PAYLOAD = 65516;

export class PktReader {
  private buffer = Buffer.alloc(0);
  private readonly chunks: AsyncIterator<Buffer>;
  private ended = false;

  constructor(input: Readable) {
    this.chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  private async fill(n: number): Promise<boolean> {
    while (this.buffer.length < n) {
      if (this.ended) return false;
      const next = await this.chunks.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      this.buffer = Buffer.concat([this.buffer, Buffer.from(next.value)]);
    }
    return true;
  }

  /** The next packet, or undefined at a clean end of input. Throws on a malformed header. */
  async read(): Promise<Packet | undefined> {
    if (!(await this.fill(4))) {
      if (this.buffer.length === 0) return undefined;
      throw new Error('truncated pkt-line header');
    }
    const header = this.buffer.subarray(0, 4).toString('latin1');
    if (!/^[0-9a-f]{4}$/.test(header)) throw new Error(`bad pkt-line header ${JSON.stringify(header)}`);
    const length = Number.parseInt(header, 16);
    if (length === 0 || length === 1) {
      this.buffer = this.buffer.subarray(4);
      return { kind: length === 0 ? 'flush' : 'delim' };
    }
    if (length < 4 || length > MAX_PAYLOAD + 4) throw new Error(`bad pkt-line length ${length}`);
    if (!(await this.fill(length))) throw new Error('truncated pkt-line');
    const data = Buffer.from(this.buffer.subarray(4, length));
    this.buffer = this.buffer.subarray(length);
    return { kind: 'data', data };
  }
}

export const textOf = (p: Packet): string => (p.kind === 'data' ? p.data.toString('utf8').replace(/\n$/, '') : '');

export function encodeData(payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0'), 'latin1'), body]);
}

export const FLUSH = Buffer.from('0000', 'latin1');
export const DELIM = Buffer.from('0001', 'latin1');

/** Writes packets, honouring back-pressure. */
export class PktWriter {
  constructor(private readonly output: Writable) {}

  private write(buffer: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.output.write(buffer, (error) => (error ? reject(error) : resolve()));
    });
  }

  text(line: string): Promise<void> {
    return this.write(encodeData(`${line}\n`));
  }

  data(chunk: Buffer): Promise<void> {
    return this.write(encodeData(chunk));
  }

  flush(): Promise<void> {
    return this.write(FLUSH);
  }

  delim(): Promise<void> {
    return this.write(DELIM);
  }
}
