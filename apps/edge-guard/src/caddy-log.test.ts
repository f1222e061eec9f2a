import { describe, expect, it } from 'vitest';
import { parseCaddyLine } from './caddy-log.js';

// A line exactly as Debian's Caddy 2.6.2 writes it (format json).
const caddy26 =
  '{"level":"error","ts":1796209007.3183808,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"127.0.0.1","remote_port":"56908","proto":"HTTP/1.1","method":"GET","host":"Darkroom.example.org:8089","uri":"/nope","headers":{"User-Agent":["test-agent"],"Accept":["*/*"]}},"user_id":"","duration":0.000012243,"size":0,"status":404,"resp_headers":{"Server":["Caddy"],"Content-Type":[]}}';

describe('parseCaddyLine', () => {
  it('reads the fields rules match on', () => {
    expect(parseCaddyLine(caddy26)).toEqual({
      ts: 1796209007318,
      ip: '127.0.0.1',
      status: 404,
      method: 'GET',
      host: 'darkroom.example.org',
      uri: '/nope',
      userAgent: 'test-agent',
    });
  });

  it('honours client_ip (Caddy 2.7+, trusted proxies) over remote_ip', () => {
    const line = caddy26.replace('"remote_ip":"127.0.0.1"', '"remote_ip":"10.0.0.1","client_ip":"2001:DB8::7"');
    expect(parseCaddyLine(line)?.ip).toBe('2001:db8::7');
  });

  it.each([
    ['a torn line', caddy26.slice(0, 120)],
    ['another logger', '{"level":"info","ts":1,"logger":"tls","msg":"certificate obtained","identifier":"example.org"}'],
    ['a hostile address', caddy26.replace('"remote_ip":"127.0.0.1"', '"remote_ip":"1.2.3.4 } ; flush ruleset"')],
    ['no status', caddy26.replace('"status":404', '"status":"404"')],
    ['junk', 'GET / HTTP/1.1'],
    ['a fractional status', caddy26.replace('"status":404', '"status":404.5')],
  ])('skips %s', (_what, line) => {
    expect(parseCaddyLine(line)).toBeUndefined();
  });
});
