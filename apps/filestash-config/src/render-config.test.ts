import { describe, expect, it } from 'vitest';
import { type Share, sharesFileSchema } from './config.js';
import { shareProblem } from './render.js';
import { renderFilestashConfig } from './render-config.js';

const HASH = '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234';
const settings = { listenAddress: '10.1.3.1', port: 8334, adminHash: HASH, secretKey: 'abcdefghij123456' };

describe("filestash's config.json", () => {
  const file = sharesFileSchema.parse({
    shares: [
      { name: 'all', path: '' },
      { name: 'inbox', path: 'fotografija/inbox', access: 'rw' },
    ],
  });

  it('one local connection per enabled share, served on the private hub address, sharing and the API off', () => {
    const config = JSON.parse(renderFilestashConfig(file, file.shares, settings));
    expect(config.connections).toEqual([
      { type: 'local', label: 'all', path: '/srv/storage/' },
      { type: 'local', label: 'inbox', path: '/srv/storage/fotografija/inbox/' },
    ]);
    expect(config.general).toMatchObject({ port: 8334, host: '10.1.3.1:8334', secret_key: 'abcdefghij123456', upload_button: true });
    expect(config.auth).toEqual({ admin: HASH });
    expect(config.features).toEqual({ api: { enable: false }, share: { enable: false }, protection: { enable_chromecast: false } });
    expect(config.log.telemetry).toBe(false);
  });

  it('no upload button without a read-write share; no connection for a disabled share', () => {
    const config = JSON.parse(renderFilestashConfig(file, [file.shares[0] as Share], settings));
    expect(config.general.upload_button).toBe(false);
    expect(config.connections.map((c: { label: string }) => c.label)).toEqual(['all']);
  });
});

describe('which shares are enabled', () => {
  const ro: Share = { name: 'all', path: '', access: 'ro' };
  const rw: Share = { name: 'inbox', path: 'inbox', access: 'rw' };
  const roMount = { mountPoint: '/srv/storage', readOnly: true };
  const rwMount = { mountPoint: '/srv/storage/inbox', readOnly: false };
  const pool = ['/zfs/backup'];

  it.each([
    ['ro share on a ro mount', ro, { real: '/srv/storage', isDir: true }, roMount, undefined],
    ['rw share on a rw mount', rw, { real: '/srv/storage/inbox', isDir: true }, rwMount, undefined],
    [
      'ro share on a rw mount',
      ro,
      { real: '/srv/storage', isDir: true },
      rwMount,
      'share all disabled: read-only, but /srv/storage is on the writable mount',
    ],
    ['rw share on a ro mount', rw, { real: '/srv/storage/inbox', isDir: true }, roMount, 'share inbox disabled: read-write, but'],
    ['a symlink into the backup pool', ro, { real: '/zfs/backup/x', isDir: true }, roMount, 'in the backup pool /zfs/backup'],
    [
      'a missing folder',
      ro,
      { isDir: false, error: '/srv/storage does not exist' },
      undefined,
      'share all disabled: /srv/storage does not exist',
    ],
    ['a file', ro, { real: '/srv/storage', isDir: false }, roMount, 'not a folder'],
    ['no mount', ro, { real: '/srv/storage', isDir: true }, undefined, 'no mount found'],
  ])('%s', (_what, share, found, mount, problem) => {
    const got = shareProblem(share, found, mount, pool);
    if (problem === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(problem);
  });
});
