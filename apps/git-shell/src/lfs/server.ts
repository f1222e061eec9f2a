import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '@homelab/core';
import { MAX_PAYLOAD, type Packet, PktReader, PktWriter, textOf } from './pktline.js';

/**
 * The server side of git-lfs's pure-SSH transfer protocol (version 1, the one git-lfs 3.x speaks:
 * `git-lfs-transfer <repo> upload|download`), storing objects where every LFS server does:
 * `<repo>/lfs/objects/<oid[0:2]>/<oid[2:4]>/<oid>`. Uploads are hashed while written to a temp
 * file and only renamed into place when size and SHA-256 match. Locking is not offered.
 */
export type LfsOperation = 'upload' | 'download';

const OID = /^[0-9a-f]{64}$/;

export function objectPath(repoDir: string, oid: string): string {
  return join(repoDir, 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
}

interface Request {
  command: string;
  args: Map<string, string>;
  /** Lines after a delim (batch) — for put-object the data is streamed instead. */
  lines: string[];
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch {
    return undefined;
  }
}

export async function serveLfsTransfer(opts: {
  repoDir: string;
  operation: LfsOperation;
  input: Readable;
  output: Writable;
  log: Logger;
}): Promise<void> {
  const { repoDir, operation, log } = opts;
  const reader = new PktReader(opts.input);
  const out = new PktWriter(opts.output);

  const status = async (code: number, args: string[] = [], message?: string) => {
    await out.text(`status ${code}`);
    for (const arg of args) await out.text(arg);
    if (message !== undefined) {
      await out.delim();
      await out.text(`message ${message}`);
    }
    await out.flush();
  };

  /** Reads a command with its arguments up to a delim or flush. */
  const readHead = async (): Promise<{ request: Request; endedWith: 'delim' | 'flush' } | undefined> => {
    const first = await reader.read();
    if (first === undefined) return undefined;
    if (first.kind !== 'data') throw new Error(`expected a command, got a ${first.kind} packet`);
    const request: Request = { command: textOf(first), args: new Map(), lines: [] };
    for (;;) {
      const p = await reader.read();
      if (p === undefined) throw new Error('connection ended inside a request');
      if (p.kind !== 'data') return { request, endedWith: p.kind };
      const text = textOf(p);
      const eq = text.indexOf('=');
      if (eq > 0) request.args.set(text.slice(0, eq), text.slice(eq + 1));
    }
  };

  const readLines = async (): Promise<string[]> => {
    const lines: string[] = [];
    for (;;) {
      const p: Packet | undefined = await reader.read();
      if (p === undefined) throw new Error('connection ended inside a request');
      if (p.kind === 'flush') return lines;
      if (p.kind === 'data') lines.push(textOf(p));
    }
  };

  await out.text('version=1');
  await out.flush();

  for (;;) {
    const head = await readHead();
    if (head === undefined) return;
    const { request, endedWith } = head;
    const [verb, ...words] = request.command.split(' ');
    log.debug({ command: verb, operation }, 'lfs request');
    if (verb === 'quit') {
      await status(200);
      return;
    }
    if (verb === 'version') {
      await status(words[0] === '1' ? 200 : 400);
      continue;
    }
    if (verb === 'batch') {
      const lines = endedWith === 'delim' ? await readLines() : [];
      const hashAlgo = request.args.get('hash-algo') ?? 'sha256';
      if (hashAlgo !== 'sha256') {
        await status(400, [], `unsupported hash algorithm ${hashAlgo}`);
        continue;
      }
      const answers: string[] = [];
      for (const line of lines) {
        const [oid = '', size = ''] = line.split(' ');
        if (!OID.test(oid) || !/^\d+$/.test(size)) {
          answers.length = 0;
          await status(400, [], `malformed object line ${JSON.stringify(line.slice(0, 100))}`);
          break;
        }
        const have = (await sizeOf(objectPath(repoDir, oid))) === Number(size);
        const action = operation === 'upload' ? (have ? 'noop' : 'upload') : 'download';
        answers.push(`${oid} ${size} ${action}`);
      }
      if (answers.length === lines.length) {
        await out.text('status 200');
        await out.text('hash-algo=sha256');
        await out.delim();
        for (const answer of answers) await out.text(answer);
        await out.flush();
      }
      continue;
    }
    const oid = words[0] ?? '';
    if (verb === 'put-object') {
      const size = Number(request.args.get('size'));
      if (endedWith !== 'delim') throw new Error('put-object without data');
      if (operation !== 'upload' || !OID.test(oid) || !Number.isSafeInteger(size) || size < 0) {
        await drain(reader);
        await status(
          operation !== 'upload' ? 403 : 400,
          [],
          operation !== 'upload' ? 'this connection is for downloads' : 'bad oid or size',
        );
        continue;
      }
      const problem = await receiveObject(reader, repoDir, oid, size);
      if (problem) await status(400, [], problem);
      else {
        log.info({ oid, size }, 'lfs object stored');
        await status(200);
      }
      continue;
    }
    if (verb === 'verify-object') {
      if (endedWith === 'delim') await readLines();
      const size = Number(request.args.get('size') ?? words[1]);
      const have = OID.test(oid) ? await sizeOf(objectPath(repoDir, oid)) : undefined;
      if (have !== undefined && have === size) await status(200);
      else await status(404, [], `object ${oid.slice(0, 64)} not found or of another size`);
      continue;
    }
    if (verb === 'get-object') {
      if (endedWith === 'delim') await readLines();
      const path = OID.test(oid) ? objectPath(repoDir, oid) : undefined;
      const size = path ? await sizeOf(path) : undefined;
      if (operation !== 'download' || path === undefined || size === undefined) {
        await status(
          operation !== 'download' ? 403 : 404,
          [],
          operation !== 'download' ? 'this connection is for uploads' : 'object not found',
        );
        continue;
      }
      await out.text('status 200');
      await out.text(`size=${size}`);
      await out.delim();
      for await (const chunk of createReadStream(path, { highWaterMark: MAX_PAYLOAD })) await out.data(chunk as Buffer);
      await out.flush();
      continue;
    }
    // Locking and anything newer: not offered (no `locking` capability was advertised).
    if (endedWith === 'delim') await readLines();
    await status(405, [], `command ${JSON.stringify((verb ?? '').slice(0, 40))} is not supported`);
  }
}

async function drain(reader: PktReader): Promise<void> {
  for (;;) {
    const p = await reader.read();
    if (p === undefined || p.kind === 'flush') return;
  }
}

/** Streams data packets to a temp file while hashing; renames into place when size and hash match. */
async function receiveObject(reader: PktReader, repoDir: string, oid: string, size: number): Promise<string | undefined> {
  const tmpDir = join(repoDir, 'lfs', 'tmp');
  await mkdir(tmpDir, { recursive: true });
  const temp = join(tmpDir, `${oid}.${randomBytes(4).toString('hex')}`);
  const handle = await open(temp, 'wx', 0o644);
  const hash = createHash('sha256');
  let received = 0;
  let closed = false;
  try {
    for (;;) {
      const p = await reader.read();
      if (p === undefined) throw new Error('connection ended inside put-object');
      if (p.kind === 'flush') break;
      if (p.kind !== 'data') continue;
      received += p.data.length;
      if (received <= size) {
        hash.update(p.data);
        await handle.write(p.data);
      }
    }
    await handle.sync();
    await handle.close();
    closed = true;
    if (received !== size) return `expected ${size} bytes, got ${received}`;
    const actual = hash.digest('hex');
    if (actual !== oid) return `content hashes to ${actual}, not ${oid}`;
    const target = objectPath(repoDir, oid);
    await mkdir(dirname(target), { recursive: true });
    await rename(temp, target);
    return undefined;
  } finally {
    if (!closed) await handle.close().catch(() => {});
    await rm(temp, { force: true });
  }
}
