import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDirSync, useCleanup } from '@homelab/testkit-base';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';

import { createStateFile } from './state-file.js';

useCleanup('all');

const schema = z.object({ paused: z.boolean(), runs: z.number() });

describe('state file', () => {
  it('returns the initial value, then what was written', async () => {
    const state = createStateFile(join(makeTempDirSync('state-'), 's.json'), schema, { paused: false, runs: 0 });
    expect(await state.read()).toEqual({ paused: false, runs: 0 });
    await state.write({ paused: true, runs: 1 });
    expect(await state.update((s) => ({ ...s, runs: s.runs + 1 }))).toEqual({ paused: true, runs: 2 });
    expect(await state.read()).toEqual({ paused: true, runs: 2 });
  });

  it('refuses a corrupt file instead of guessing', async () => {
    const path = join(makeTempDirSync('state-'), 's.json');
    writeFileSync(path, '{"paused": "maybe"');
    const state = createStateFile(path, schema, { paused: false, runs: 0 });
    await expect(state.read()).rejects.toThrow(/not valid JSON/);
    writeFileSync(path, '{"paused": "maybe", "runs": 1}');
    await expect(state.read()).rejects.toThrow(/does not match its schema/);
  });
});
