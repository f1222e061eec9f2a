import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appBundle, freePort, httpRequest, repoRoot, startProcess, useCleanup, waitFor } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { mapSetup } from './helpers.js';

useCleanup();

describe('the mc-map lighttpd config', () => {
  it('serves the current release through the swapped symlink, with no-cache headers on tiles', async () => {
    const setup = await mapSetup({ regions: 4 });
    const renderOnce = () =>
      execFileSync(process.execPath, [appBundle('map-watcher'), 'render'], { env: { ...process.env, ...setup.env(), LOG_LEVEL: 'warn' } });
    renderOnce();

    // The one source of this config is labctl's render (compose/lighttpd/mc-map.conf, which the
    // image copies); only the port, the bind address and the document root differ here.
    const port = await freePort();
    const rendered = await readFile(join(repoRoot, 'compose', 'lighttpd', 'mc-map.conf'), 'utf8');
    const config = rendered
      .replace(/^server\.port = .*$/m, `server.port = ${port}\nserver.bind = "127.0.0.1"`)
      .replace(/^server\.document-root = .*$/m, `server.document-root = "${setup.output}"`);
    expect(config).toContain(`server.document-root = "${setup.output}"`);
    expect(config).toContain('server.bind = "127.0.0.1"');
    const file = join(setup.dir, 'lighttpd.conf');
    await writeFile(file, config);
    execFileSync('lighttpd', ['-tt', '-f', file]);
    const server = startProcess('lighttpd', ['-D', '-f', file], { label: 'lighttpd' });
    const target = `127.0.0.1:${port}`;
    await waitFor(async () => (await httpRequest(target, '/').catch(() => ({ status: 0 }))).status === 200, { what: 'lighttpd to serve' });

    const tile = await httpRequest(target, '/tiles/0/1/0.webp');
    expect(tile.status).toBe(200);
    expect(tile.headers['content-type']).toBe('image/webp');
    expect(tile.headers['cache-control']).toBe('no-store, no-cache, must-revalidate');
    expect(tile.headers.pragma).toBe('no-cache');
    expect(tile.headers.expires).toBe('0');
    const index = await httpRequest(target, '/');
    expect(index.body).toContain('"renderId":1');
    expect(index.headers['cache-control']).toBeUndefined();

    await writeFile(join(setup.world, 'region', 'r.1.0.mca'), 'changed');
    renderOnce();
    expect((await httpRequest(target, '/')).body).toContain('"renderId":2');
    const newTile = await httpRequest(target, '/tiles/0/1/0.webp');
    expect(newTile.body).not.toBe(tile.body);
    await server.stop();
  });
});
