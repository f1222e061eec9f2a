/**
 * Deterministic Caddy JSON access log lines (the shape Caddy 2.6 writes) for replay tests and the
 * bench: mostly ordinary visitors, a few path probers, method abusers and flooders, some IPv6.
 */
export interface GenerateOptions {
  lines: number;
  /** Log time of the first line (ms). */
  startMs: number;
  /** Log time between lines (ms). */
  stepMs: number;
  seed?: number;
}

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export function caddyLine(o: { ts: number; ip: string; method: string; host: string; uri: string; status: number; ua: string }): string {
  return JSON.stringify({
    level: o.status >= 500 ? 'error' : 'info',
    ts: o.ts / 1000,
    logger: 'http.log.access.log0',
    msg: 'handled request',
    request: {
      remote_ip: o.ip,
      remote_port: '40000',
      proto: 'HTTP/1.1',
      method: o.method,
      host: o.host,
      uri: o.uri,
      headers: { 'User-Agent': [o.ua], Accept: ['*/*'] },
    },
    user_id: '',
    duration: 0.0004,
    size: 512,
    status: o.status,
    resp_headers: { Server: ['Caddy'] },
  });
}

/** Yields the log in chunks of whole lines (joined with '\n', each chunk ending in '\n'). */
export function* generateLog(opts: GenerateOptions, chunkLines = 10_000): Generator<string> {
  const rand = prng(opts.seed ?? 42);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)] as T;
  const visitors = Array.from({ length: 2000 }, (_, i) => `203.0.${(i >> 8) & 255}.${i & 255}`);
  const v6 = Array.from({ length: 200 }, (_, i) => `2001:db8:${(i % 50).toString(16)}::${(i + 1).toString(16)}`);
  const probers = Array.from({ length: 40 }, (_, i) => `198.18.0.${i + 1}`);
  const abusers = Array.from({ length: 20 }, (_, i) => `198.18.1.${i + 1}`);
  const flooders = Array.from({ length: 2 }, (_, i) => `198.18.2.${i + 1}`);
  const pages = ['/', '/index.html', '/about', '/style.css', '/tiles/0/0.png', '/feed.xml'];
  const hosts = ['darkroom.example.org', 'weblog.example.org', 'map.example.org'];
  let chunk: string[] = [];
  for (let i = 0; i < opts.lines; i++) {
    const ts = opts.startMs + i * opts.stepMs;
    const r = rand();
    let line: string;
    if (r < 0.02) {
      line = caddyLine({
        ts,
        ip: pick(probers),
        method: 'GET',
        host: pick(hosts),
        uri: `/probe/${Math.floor(rand() * 1e6)}.php`,
        status: 404,
        ua: 'scanner',
      });
    } else if (r < 0.025) {
      line = caddyLine({
        ts,
        ip: pick(abusers),
        method: pick(['PUT', 'DELETE', 'PROPFIND']),
        host: pick(hosts),
        uri: '/',
        status: 405,
        ua: 'x',
      });
    } else if (r < 0.06) {
      line = caddyLine({ ts, ip: pick(flooders), method: 'GET', host: pick(hosts), uri: '/', status: 200, ua: 'flood' });
    } else {
      const ip = rand() < 0.1 ? pick(v6) : pick(visitors);
      const notFound = rand() < 0.03;
      line = caddyLine({
        ts,
        ip,
        method: 'GET',
        host: pick(hosts),
        uri: notFound ? '/missing' : pick(pages),
        status: notFound ? 404 : 200,
        ua: 'Mozilla/5.0',
      });
    }
    chunk.push(line);
    if (rand() < 0.0005) chunk.push('not json {{{');
    if (chunk.length >= chunkLines) {
      yield `${chunk.join('\n')}\n`;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
}
