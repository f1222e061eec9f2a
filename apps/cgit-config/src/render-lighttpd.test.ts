import { describe, expect, it } from 'vitest';
import { defaultLighttpdSettings, renderLighttpd } from './render-lighttpd.js';

describe('renderLighttpd', () => {
  const text = renderLighttpd({
    ...defaultLighttpdSettings,
    port: 8123,
    bind: '127.0.0.1',
    cgitrc: '/tmp/x/cgitrc',
    staticRoot: '/srv/static',
  });

  it('takes port, bind address, static root, cgi and cgitrc as parameters', () => {
    expect(text).toContain('server.port = 8123');
    expect(text).toContain('server.bind = "127.0.0.1"');
    expect(text).toContain('server.document-root = "/srv/static"');
    expect(text).toContain('alias.url = ("/cgit.cgi" => "/usr/lib/cgit/cgit.cgi")');
    expect(text).toContain('"CGIT_CONFIG" => "/tmp/x/cgitrc"');
  });

  it('rewrites (never redirects) every path except the static assets to cgit', () => {
    expect(text).not.toContain('mod_redirect');
    const block = text.slice(text.indexOf('url.rewrite-once'), text.indexOf('alias.url'));
    const rules = [...block.matchAll(/^ {2}"(.*)" => "(.*)",$/gm)].map(
      (m) => [new RegExp((m[1] as string).replace(/\\\\/g, '\\')), m[2]] as const,
    );
    const route = (url: string) => {
      for (const [re, to] of rules) {
        const m = re.exec(url);
        if (m) return (to as string).replace(/\$(\d)/g, (_, i) => m[Number(i)] ?? '');
      }
      return url;
    };
    expect(route('/cgit.css')).toBe('/cgit.css');
    expect(route('/favicon.ico')).toBe('/favicon.ico');
    expect(route('/')).toBe('/cgit.cgi/');
    expect(route('/dots/tree/config/fabric.json')).toBe('/cgit.cgi/dots/tree/config/fabric.json');
    expect(route('/dots/log/?h=main&ofs=50')).toBe('/cgit.cgi/dots/log/?h=main&ofs=50');
    expect(route('/dots/cgit.css')).toBe('/cgit.cgi/dots/cgit.css');
  });

  it('quotes values so a path cannot break out of its string', () => {
    const hostile = renderLighttpd({ ...defaultLighttpdSettings, cgitrc: '/x"\n), ("mod_evil' });
    expect(hostile).toContain('"CGIT_CONFIG" => "/x\\"), (\\"mod_evil"');
  });
});
