import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleScript, makeTempDir, useCleanup } from '@homelab/testkit-base';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/atomic-file.js';

useCleanup('all');

// The writer child: rewrites target.bin forever with self-checking content (sha256 header + body).
const writerSource = `
import { createHash, randomBytes } from 'node:crypto';
import { writeFileAtomic } from ${JSON.stringify(new URL('../src/atomic-file.ts', import.meta.url).pathname)};
const target = process.argv[2];
for (let i = 0; ; i++) {
  const body = randomBytes(256 * 1024 + (i % 7) * 4096);
  const sum = createHash('sha256').update(body).digest('hex');
  await writeFileAtomic(target, Buffer.concat([Buffer.from(sum + '\\n'), body]));
  if (i === 0) process.stdout.write('first\\n');
}
`;

function verify(path: string): boolean {
  const data = readFileSync(path);
  const newline = data.indexOf(10);
  const sum = data.subarray(0, newline).toString();
  return (
    createHash('sha256')
      .update(data.subarray(newline + 1))
      .digest('hex') === sum
  );
}

describe('writeFileAtomic', () => {
  it('replaces the content and leaves no temp file', async () => {
    const dir = await makeTempDir();
    const path = join(dir, 'a.txt');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new', { mode: 0o600 });
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['a.txt']);
  });

  it('leaves the old or the new file, never a torn one, when the writer is SIGKILLed', async () => {
    const dir = await makeTempDir();
    const bundle = await bundleScript(dir, 'writer', writerSource);
    const target = join(dir, 'target.bin');
    for (let round = 0; round < 12; round++) {
      const child = spawn(process.execPath, [bundle, target], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 60));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(verify(target), `round ${round}: target.bin is torn`).toBe(true);
    }
  });
});
