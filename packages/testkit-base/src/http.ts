import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A plain HTTP request to `host:port` or a unix socket path. */
export function httpRequest(
  target: string,
  path: string,
  opts: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpResponse> {
  const unix = target.startsWith('/');
  const [host, port] = unix ? [undefined, undefined] : splitHostPort(target);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: unix ? target : undefined,
        host,
        port,
        path,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        timeout: opts.timeoutMs ?? 5_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`HTTP ${path} on ${target} timed out`)));
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

function splitHostPort(target: string): [string, number] {
  const index = target.lastIndexOf(':');
  return [target.slice(0, index).replace(/^\[|\]$/g, ''), Number(target.slice(index + 1))];
}

/** A local webhook receiver on loopback: every POSTed JSON body is kept, with its method and content type. */
export async function webhook() {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      bodies.push({ method: req.method, contentType: req.headers['content-type'], ...JSON.parse(data) });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret-token`;
  return { url, bodies, close: () => new Promise((r) => server.close(r)) };
}
