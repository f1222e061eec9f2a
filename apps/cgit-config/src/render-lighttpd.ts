export interface LighttpdSettings {
  port: number;
  bind: string;
  /** Folder with cgit's static assets (cgit.css, cgit.png, favicon.ico, robots.txt). */
  staticRoot: string;
  /** The cgit CGI binary. */
  cgi: string;
  /** The cgitrc that cgit reads (passed as CGIT_CONFIG). */
  cgitrc: string;
  /** PATH for cgit and its filters: the system python3 must come first for md2html. */
  path: string;
  tag: string;
  accessLog: boolean;
}

export const defaultLighttpdSettings: LighttpdSettings = {
  port: 8080,
  bind: '0.0.0.0',
  staticRoot: '/usr/share/cgit',
  cgi: '/usr/lib/cgit/cgit.cgi',
  cgitrc: '/etc/cgitrc',
  path: '/usr/bin:/bin',
  tag: 'git-web',
  accessLog: false,
};

/** The static files served by lighttpd itself; every other path goes to cgit. */
export const STATIC_ASSETS = ['cgit.css', 'cgit.png', 'cgit.js', 'favicon.ico', 'robots.txt'] as const;

const str = (s: string) => `"${s.replace(/[\\"]/g, '\\$&').replace(/[\u0000-\u001f]/g, '')}"`;
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Pure: the lighttpd config for git-web, run as `lighttpd -D -f <file>`. A rewrite (not a
 * redirect) turns /<anything> into /cgit.cgi/<anything>, so cgit gets it as PATH_INFO while the
 * address bar and every link keep the clean /<repo>/... form; only the exact static asset names
 * are exempt, so file paths with dots (config/fabric.json) reach cgit too.
 */
export function renderLighttpd(s: LighttpdSettings): string {
  const assets = STATIC_ASSETS.map(escapeRegex).join('|');
  return [
    '# Written by cgit-config: do not edit.',
    'server.modules = ("mod_rewrite", "mod_alias", "mod_setenv", "mod_cgi"' + (s.accessLog ? ', "mod_accesslog"' : '') + ')',
    `server.port = ${s.port}`,
    `server.bind = ${str(s.bind)}`,
    `server.document-root = ${str(s.staticRoot)}`,
    `server.tag = ${str(s.tag)}`,
    ...(s.accessLog ? ['accesslog.filename = "/dev/stdout"'] : []),
    'mimetype.assign = (',
    '  ".css" => "text/css",',
    '  ".png" => "image/png",',
    '  ".ico" => "image/x-icon",',
    '  ".js" => "text/javascript",',
    '  ".txt" => "text/plain",',
    ')',
    '',
    'url.rewrite-once = (',
    `  "^/(${assets})(\\?.*)?$" => "/$1$2",`,
    '  "^/([^?]*)(\\?.*)?$" => "/cgit.cgi/$1$2",',
    ')',
    `alias.url = ("/cgit.cgi" => ${str(s.cgi)})`,
    'cgi.assign = ("cgit.cgi" => "")',
    'setenv.add-environment = (',
    `  "CGIT_CONFIG" => ${str(s.cgitrc)},`,
    `  "PATH" => ${str(s.path)},`,
    ')',
    '',
  ].join('\n');
}
