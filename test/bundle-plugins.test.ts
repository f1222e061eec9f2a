import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importedNames } from '../bundle-plugins.js';

const repoRoot = join(import.meta.dirname, '..');

describe('importedNames', () => {
  it.each([
    ["import {serialize} from 'node:v8'", 'node:v8', ['serialize']],
    ['import{constants}from"node:os"', 'node:os', ['constants']],
    [
      "import fs from 'node:fs';\nimport {createReadStream, createWriteStream as cws} from 'node:fs'",
      'node:fs',
      ['createReadStream', 'createWriteStream', 'default'],
    ],
    ["import childProcess, {spawn} from 'node:child_process'", 'node:child_process', ['default', 'spawn']],
    ["import {once} from 'node:events'", 'node:fs', undefined],
  ])('%s', (source, specifier, expected) => {
    const names = importedNames(source, specifier);
    expect(names && [...names].sort()).toEqual(expected);
  });

  it('gives up on a namespace import (the builtin stays a plain import)', () => {
    expect(importedNames("import * as v8 from 'node:v8'", 'node:v8')).toBeUndefined();
  });
});

// The built payload (turbo build ran before the tests; dist/main.js is its launcher, app-launcher.cjs):
// what an idle sidecar must not load at start.
describe('an app bundle', () => {
  const payload = join(repoRoot, 'apps/rcon-bridge/dist/main.cjs');
  const bundle = readFileSync(payload, 'utf8');

  it('loads no builtin at start that only execa uses (v8, tty, timers/promises)', () => {
    // Every module of the bundle is evaluated by `--help` as by `run`; the builtins node loaded are
    // listed at exit by a preloaded script.
    const dir = mkdtempSync(join(tmpdir(), 'bundle-builtins-'));
    try {
      const preload = join(dir, 'loaded.cjs');
      writeFileSync(
        preload,
        "process.on('exit', () => require('node:fs').writeSync(2, 'LOADED ' + JSON.stringify(process.moduleLoadList) + '\\n'));",
      );
      const r = spawnSync(process.execPath, ['--require', preload, join(repoRoot, 'apps/rcon-bridge/dist/main.js'), '--help'], {
        encoding: 'utf8',
      });
      expect(r.status).toBe(0);
      const loaded: string[] = JSON.parse(/^LOADED (.*)$/m.exec(r.stderr)?.[1] ?? '[]');
      expect(loaded).toContain('NativeModule vm');
      for (const lazy of ['v8', 'tty', 'timers/promises']) expect(loaded).not.toContain(`NativeModule ${lazy}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(bundle).toContain('require("node:v8")');
  });

  it("has no human-signals number table (its build loop starts V8's optimizing compiler)", () => {
    expect(bundle).not.toContain('getSignalsByNumber');
    expect(bundle).toContain('getSignalsByName');
  });
});

describe('every app bundle', () => {
  const apps = readdirSync(join(repoRoot, 'apps')).filter((app) => existsSync(join(repoRoot, 'apps', app, 'dist', 'main.cjs')));

  it.each(apps)('%s: one-byte source text (a character above U+00FF makes V8 keep all of it at two bytes each)', (app) => {
    const text = readFileSync(join(repoRoot, 'apps', app, 'dist', 'main.cjs'), 'utf8');
    const wide = [...text.matchAll(/[^\u0000-\u00ff]/g)].map((m) => JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + 10)));
    expect(wide).toEqual([]);
  });

  it.each(apps)('%s: no import() and no import.meta left in the payload (vm.Script has no module loader)', (app) => {
    const text = readFileSync(join(repoRoot, 'apps', app, 'dist', 'main.cjs'), 'utf8');
    expect(text).not.toMatch(/(?<![\w$.])import\s*\(/);
    expect(text).not.toContain('import.meta');
  });
});
