import { readFileSync } from 'node:fs';
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

// The built bundle (turbo build ran before the tests): what an idle sidecar must not load at start.
describe('an app bundle', () => {
  const bundle = readFileSync(join(repoRoot, 'apps/rcon-bridge/dist/main.js'), 'utf8');
  const topLevelImports = [...bundle.matchAll(/(?:^|[;\n])import\s*[^;'"()]*?from\s*"([^"]+)"/g)].map((m) => m[1]);

  it('imports no builtin at start that only execa uses (v8, tty, string_decoder, timers/promises)', () => {
    expect(topLevelImports.length).toBeGreaterThan(0);
    for (const lazy of ['node:v8', 'node:tty', 'node:string_decoder', 'node:timers/promises']) expect(topLevelImports).not.toContain(lazy);
    expect(bundle).toContain('require("node:v8")');
  });

  it("has no human-signals number table (its build loop starts V8's optimizing compiler)", () => {
    expect(bundle).not.toContain('getSignalsByNumber');
    expect(bundle).toContain('getSignalsByName');
  });
});
