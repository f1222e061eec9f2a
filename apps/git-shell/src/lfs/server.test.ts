import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { silentLogger } from '@homelab/core';
import { makeTempDir, useCleanup } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { DELIM, encodeData, FLUSH, type Packet, PktReader } from './pktline.js';
import { objectPath, serveLfsTransfer } from './server.js';

useCleanup();

const text = (line: string) => encodeData(`${line}\n`);
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Runs the server on a scripted client conversation and returns every packet it answered. */
async function converse(repoDir: string, operation: 'upload' | 'download', request: Buffer[]): Promise<string[]> {
  const input = new PassThrough();
  const output = new PassThrough();
  const answered: Buffer[] = [];
  output.on('data', (chunk: Buffer) => answered.push(chunk));
  const served = serveLfsTransfer({ repoDir, operation, input, output, log: silentLogger() });
  input.end(Buffer.concat([text('version 1'), FLUSH, ...request, text('quit'), FLUSH]));
  await served;
  const reader = new PktReader(Readable.from([Buffer.concat(answered)]));
  const packets: string[] = [];
  for (let p: Packet | undefined = await reader.read(); p; p = await reader.read()) {
    packets.push(p.kind === 'data' ? p.data.toString('latin1').replace(/\n$/, '') : `<${p.kind}>`);
  }
  return packets;
}

describe('serveLfsTransfer', () => {
  it('stores an upload whose size and hash match, then serves it for download', async () => {
    const repo = await makeTempDir('lfs-');
    const data = Buffer.from('x'.repeat(70_000));
    const oid = sha(data);
    const up = await converse(repo, 'upload', [
      text('batch'),
      text('hash-algo=sha256'),
      DELIM,
      text(`${oid} ${data.length}`),
      FLUSH,
      text(`put-object ${oid}`),
      text(`size=${data.length}`),
      DELIM,
      encodeData(data.subarray(0, 65_000)),
      encodeData(data.subarray(65_000)),
      FLUSH,
      text(`verify-object ${oid}`),
      text(`size=${data.length}`),
      FLUSH,
    ]);
    expect(up).toEqual([
      'version=1',
      '<flush>',
      'status 200',
      '<flush>',
      'status 200',
      'hash-algo=sha256',
      '<delim>',
      `${oid} ${data.length} upload`,
      '<flush>',
      'status 200',
      '<flush>',
      'status 200',
      '<flush>',
      'status 200',
      '<flush>',
    ]);
    expect((await readFile(objectPath(repo, oid))).equals(data)).toBe(true);

    const down = await converse(repo, 'download', [text(`get-object ${oid}`), text(`size=${data.length}`), FLUSH]);
    expect(down.slice(4, 7)).toEqual(['status 200', `size=${data.length}`, '<delim>']);
    expect(Buffer.from(down.slice(7, -3).join(''), 'latin1').equals(data)).toBe(true);
    const again = await converse(repo, 'upload', [text('batch'), DELIM, text(`${oid} ${data.length}`), FLUSH]);
    expect(again).toContain(`${oid} ${data.length} noop`);
  });

  it.each([
    ['a wrong hash', (d: Buffer) => ({ oid: sha(Buffer.from('other')), size: d.length }), /content hashes to/],
    ['a wrong size', (d: Buffer) => ({ oid: sha(d), size: d.length + 1 }), /expected \d+ bytes, got/],
    ['a path-like oid', (d: Buffer) => ({ oid: '../../../../etc/passwd', size: d.length }), /bad oid or size/],
  ])('refuses an upload with %s and stores nothing', async (_label, make, message) => {
    const repo = await makeTempDir('lfs-');
    const data = Buffer.from('hello lfs');
    const { oid, size } = make(data);
    const answer = await converse(repo, 'upload', [text(`put-object ${oid}`), text(`size=${size}`), DELIM, encodeData(data), FLUSH]);
    expect(answer[4]).toBe('status 400');
    expect(answer[6]).toMatch(message);
    const lfsDir = await readdir(join(repo, 'lfs', 'objects')).catch(() => []);
    expect(lfsDir).toEqual([]);
  });

  it('refuses uploads on a download connection and downloads of missing objects', async () => {
    const repo = await makeTempDir('lfs-');
    const data = Buffer.from('hello');
    const answer = await converse(repo, 'download', [
      text(`put-object ${sha(data)}`),
      text(`size=${data.length}`),
      DELIM,
      encodeData(data),
      FLUSH,
      text(`get-object ${sha(data)}`),
      FLUSH,
      text('lock'),
      FLUSH,
    ]);
    expect(answer.filter((l) => l.startsWith('status'))).toEqual(['status 200', 'status 403', 'status 404', 'status 405', 'status 200']);
  });
});
