import type { Lab } from '../schema.js';

/** The lighttpd config of a static site, mc-map or reverse-proxy-stats, run as `lighttpd -D -f /etc/lighttpd/lighttpd.conf`. */
export function renderLighttpd(lab: Lab, container: string): string | undefined {
  const conf = lab.containers[container]?.lighttpd;
  if (!conf) return undefined;
  const lines = [
    `# lighttpd config of ${container}. Rendered by labctl from lab/lab.yaml: do not edit.`,
    'server.modules = ("mod_setenv")',
    `server.tag = ${JSON.stringify(conf.tag)}`,
    `server.port = ${conf.port}`,
    `server.document-root = ${JSON.stringify(conf.root)}`,
    '# errors go to stderr (the default): opening /dev/stderr fails when stderr is a socket',
    'server.follow-symlink = "enable"',
    'index-file.names = ("index.html")',
    'mimetype.assign = (',
    '  ".html" => "text/html; charset=utf-8",',
    '  ".css" => "text/css; charset=utf-8",',
    '  ".js" => "text/javascript; charset=utf-8",',
    '  ".json" => "application/json",',
    '  ".svg" => "image/svg+xml",',
    '  ".png" => "image/png",',
    '  ".jpg" => "image/jpeg",',
    '  ".jpeg" => "image/jpeg",',
    '  ".webp" => "image/webp",',
    '  ".txt" => "text/plain; charset=utf-8",',
    '  "" => "application/octet-stream"',
    ')',
  ];
  if (conf.no_cache_images || conf.swapped_root) {
    lines.push(
      '# the published folder is swapped by a symlink rename: a cached stat could pair an old',
      '# size or ETag with a new file for up to a second',
      'server.stat-cache-engine = "disable"',
    );
  }
  if (conf.swapped_root) {
    lines.push(
      '# every run publishes a new report: browsers revalidate (ETag) instead of showing a stale one',
      'setenv.add-response-header = ("Cache-Control" => "no-cache")',
    );
  }
  if (conf.no_cache_images) {
    lines.push(
      '# map tiles change with every render: never cache them',
      '$HTTP["url"] =~ "\\.(png|jpg|jpeg|webp|svg)$" {',
      '  setenv.add-response-header = (',
      '    "Cache-Control" => "no-store, no-cache, must-revalidate",',
      '    "Pragma" => "no-cache",',
      '    "Expires" => "0"',
      '  )',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}
