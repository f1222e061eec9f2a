import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { createLifecycle } from './lifecycle.js';
import { silentLogger } from './logger.js';
import { watchConfig } from './watched-config.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The "config": a file holding one number; anything else is refused. */
function loadNumber(path: string): number {
  const text = readFileSync(path, 'utf8').trim();
  if (!/^\d+$/.test(text)) throw new Error(`${path}: expected a number, got "${text}"`);
  return Number(text);
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

function setup(recheckMs = 1_000_000) {
  const dir = mkdtempSync(join(tmpdir(), 'watched-config-'));
  dirs.push(dir);
  const path = join(dir, 'config.txt');
  writeFileSync(path, '1\n');
  const clock = new ManualClock(0);
  const lifecycle = createLifecycle({ log: silentLogger(), signals: [] });
  const renders: number[] = [];
  const refusals: string[] = [];
  const watched = watchConfig(
    { clock, log: silentLogger(), lifecycle },
    {
      path,
      load: loadNumber,
      render: async (n) => {
        renders.push(n);
      },
      refused: (error) => refusals.push((error as Error).message),
      what: 'number file',
      debounceMs: 10,
      recheckMs,
    },
  );
  /** Moves the manual clock in debounce steps until `done` (the file event itself comes in real time). */
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 1000 && !done(); i++) {
      clock.advance(10);
      await tick();
    }
    expect(done()).toBe(true);
  };
  return { path, clock, lifecycle, renders, refusals, watched, until };
}

describe('watchConfig', () => {
  it('loads the file at once; a bad file at start throws for the caller', () => {
    const { watched, path } = setup();
    expect(watched.current).toBe(1);
    writeFileSync(path, 'x\n');
    expect(() =>
      watchConfig(
        { clock: new ManualClock(0), log: silentLogger(), lifecycle: createLifecycle({ log: silentLogger(), signals: [] }) },
        optionsLike(path),
      ),
    ).toThrow(/expected a number/);
  });

  it('a changed file is reloaded and rendered; a replaced one too; a refused one keeps the last good one', async () => {
    const { path, renders, refusals, watched, until, lifecycle } = setup();
    watched.start();
    writeFileSync(path, '2\n');
    await until(() => renders.includes(2));
    expect(watched.current).toBe(2);
    // Replaced, as an editor or a ConfigMap update does.
    writeFileSync(`${path}.new`, '3\n');
    renameSync(`${path}.new`, path);
    await until(() => renders.includes(3));
    writeFileSync(path, 'three\n');
    await until(() => refusals.length > 0);
    expect(refusals[0]).toMatch(/expected a number, got "three"/);
    expect(watched.current).toBe(3);
    expect(renders.at(-1)).toBe(3);
    await lifecycle.stop('test done');
  });

  it('renders again every recheck period without a change, and stops with the lifecycle', async () => {
    const { renders, watched, clock, lifecycle } = setup(100);
    watched.start();
    clock.advance(100);
    await tick();
    clock.advance(10);
    await tick();
    expect(renders).toEqual([1]);
    clock.advance(100);
    await tick();
    clock.advance(10);
    await tick();
    expect(renders).toEqual([1, 1]);
    await lifecycle.stop('test done');
    expect(clock.pending).toBe(0);
  });
});

function optionsLike(path: string) {
  return {
    path,
    load: loadNumber,
    render: async () => {},
    refused: () => {},
    what: 'number file',
    debounceMs: 10,
    recheckMs: 1000,
  };
}
