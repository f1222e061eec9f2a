import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, startProcess, useCleanup, waitFor } from '@homelab/testkit-base';
import { describe, expect, it } from 'vitest';
import { checkPublishedMap, createFakeRenderer, readPublishedIndex, sha256 } from './index.js';

useCleanup();

async function world(dir: string): Promise<string> {
  const w = join(dir, 'world');
  for (const sub of ['region', 'DIM-1/region', 'playerdata']) await mkdir(join(w, sub), { recursive: true });
  for (let x = 0; x < 4; x++) await writeFile(join(w, 'region', `r.${x}.0.mca`), `region ${x}`);
  await writeFile(join(w, 'DIM-1/region/r.0.0.mca'), 'nether');
  await writeFile(join(w, 'session.lock'), 'lock');
  return w;
}

async function render(fake: { command: string; env: Record<string, string> }, w: string, out: string) {
  const proc = startProcess(fake.command, [w, out], { env: fake.env });
  const exit = await proc.waitExit(20_000);
  return { exit, proc };
}

describe('fake little-a-map', () => {
  it('renders tiles, index and manifest from the world, and re-renders only changed tiles', async () => {
    const dir = await makeTempDir('fake-map-');
    const w = await world(dir);
    const out = join(dir, 'out');
    const fake = await createFakeRenderer(dir);
    expect((await render(fake, w, out)).exit.code).toBe(0);
    expect(await checkPublishedMap(out)).toMatchObject({ ok: true, renderId: 1 });
    const index = await readPublishedIndex(out);
    expect(index.dimensions.sort()).toEqual(['DIM-1', 'overworld']);
    expect(index.inputs['region/r.2.0.mca']).toBe(sha256('region 2'));
    expect(Object.keys(index.inputs)).not.toContain('session.lock');
    const untouched = await stat(join(out, 'tiles/0/3/0.webp'));

    await writeFile(join(w, 'region', 'r.1.0.mca'), 'region 1 changed');
    expect((await render(fake, w, out)).exit.code).toBe(0);
    const ends = (await fake.runs()).filter((r) => r.event === 'end');
    // r.1.0 and its zoom-1 parent changed; the other tiles were left alone.
    expect(ends.map((e) => e.changedTiles)).toEqual([6, 2]);
    expect((await stat(join(out, 'tiles/0/3/0.webp'))).mtimeMs).toBe(untouched.mtimeMs);
    expect(JSON.parse(await readFile(join(out, '.cache/state.json'), 'utf8')).renderId).toBe(2);
  });

  it('writes slowly enough that a reader of the output folder sees torn files', async () => {
    const dir = await makeTempDir('fake-map-');
    const w = await world(dir);
    for (let x = 0; x < 40; x++) await writeFile(join(w, 'region', `r.${x}.1.mca`), `more ${x}`);
    const out = join(dir, 'out');
    const fake = await createFakeRenderer(dir, { writeDelayMs: 5 });
    await render(fake, w, out);
    for (let x = 0; x < 40; x++) await writeFile(join(w, 'region', `r.${x}.1.mca`), `changed ${x}`);
    const proc = startProcess(fake.command, [w, out], { env: fake.env });
    const problems: string[] = [];
    while (proc.exitInfo === undefined) {
      const check = await checkPublishedMap(out);
      if (!check.ok) problems.push(check.problem);
    }
    expect(problems.length).toBeGreaterThan(0);
  });

  it('can be told to fail (exit 3, message on stderr) or to hang', async () => {
    const dir = await makeTempDir('fake-map-');
    const w = await world(dir);
    const fake = await createFakeRenderer(dir, { mode: 'fail' });
    const failed = await render(fake, w, join(dir, 'out'));
    expect(failed.exit.code).toBe(3);
    expect(failed.proc.stderr.join('\n')).toMatch(/little-a-map: simulated failure/);

    await fake.setControl({ mode: 'hang' });
    const hung = startProcess(fake.command, [w, join(dir, 'out')], { env: fake.env });
    await waitFor(async () => (await fake.starts()).length === 2, { what: 'hanging render to start' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hung.exitInfo).toBeUndefined();
    expect((await hung.stop(2_000)).signal).toBe('SIGTERM');
  });
});
