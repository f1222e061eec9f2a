import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { followFile } from './log-file-follow.js';

const dirs: string[] = [];
const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  return check();
};

describe('followFile', () => {
  it('starts with the tail, then follows appends, rotation and truncation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'follow-'));
    dirs.push(dir);
    const file = join(dir, 'latest.log');
    writeFileSync(file, 'l1\nl2\nl3\nl4\n');
    const lines: string[] = [];
    stops.push(followFile(file, (l) => lines.push(l), { intervalMs: 10, initialLines: 2 }));
    expect(lines).toEqual(['l3', 'l4']);
    appendFileSync(file, 'l5\n');
    expect(await until(() => lines.at(-1) === 'l5')).toBe(true);
    appendFileSync(file, 'l6\n');
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'n1\n');
    expect(await until(() => lines.at(-1) === 'n1')).toBe(true);
    truncateSync(file, 0);
    // Polling sees a truncation only if it looks before the file regrows past the old size.
    await new Promise((r) => setTimeout(r, 300));
    appendFileSync(file, 't1\n');
    expect(await until(() => lines.at(-1) === 't1')).toBe(true);
    expect(lines).toEqual(['l3', 'l4', 'l5', 'l6', 'n1', 't1']);
  });

  it('waits for a file that does not exist yet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'follow-'));
    dirs.push(dir);
    const file = join(dir, 'later.log');
    const lines: string[] = [];
    stops.push(followFile(file, (l) => lines.push(l), { intervalMs: 10 }));
    writeFileSync(file, 'first\n');
    expect(await until(() => lines.length === 1)).toBe(true);
    expect(lines).toEqual(['first']);
  });
});
