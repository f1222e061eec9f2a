import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPublishedMap, readPublishedIndex, sha256, useCleanup, waitFor } from '@homelab/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  burstViolations,
  healthz,
  type MapSetup,
  mapSetup,
  regionName,
  renderStartTimes,
  sleep,
  startWatcher,
  waitForRuns,
} from './helpers.js';

useCleanup();

const FILES = 50;
const notesLoop = fileURLToPath(new URL('./fixtures/notes-map-loop.sh', import.meta.url));

/** 5,000 writes spread over 3 s across 50 region files; returns when it began and ended. */
async function burst(world: string, total = 5_000, durationMs = 3_000) {
  const burstStart = Date.now();
  for (let i = 0; i < total; i++) {
    writeFileSync(join(world, 'region', regionName(i % FILES)), `region ${i % FILES} change ${i}`);
    if (i % 25 === 24) {
      const wait = burstStart + ((i + 1) * durationMs) / total - Date.now();
      if (wait > 0) await sleep(wait);
    }
  }
  return { burstStart, lastChangeAt: Date.now() };
}

/** Does the map at `output` show every region file as the burst left it? */
async function reflectsBurst(output: string, total = 5_000): Promise<boolean> {
  try {
    const { inputs } = await readPublishedIndex(output);
    for (let k = 0; k < FILES; k++) {
      const last = total - FILES + k;
      if (inputs[`region/${regionName(k)}`] !== sha256(`region ${k} change ${last}`)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

let shell: ChildProcess | undefined;
afterEach(() => {
  // The loop runs inotifywait and renders as children: end its whole process group (by its PID).
  if (shell?.pid && shell.exitCode === null) {
    try {
      process.kill(-shell.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  shell = undefined;
});

describe('a burst of 5,000 changes over 3 s', () => {
  it('map-watcher renders exactly once, within debounce + 1 s of the last change, showing the last state', async () => {
    const setup: MapSetup = await mapSetup({ regions: FILES });
    const app = await startWatcher(setup, { MAP_DEBOUNCE: '2s' });
    await waitForRuns(setup, 1);
    await waitFor(async () => (await checkPublishedMap(setup.output)).ok, { what: 'the start render to be published' });

    const { burstStart, lastChangeAt } = await burst(setup.world);
    await waitFor(() => renderStartTimes(app).length >= 2, { timeoutMs: 20_000, what: 'the render after the burst' });
    await waitForRuns(setup, 2);
    await waitFor(async () => (await checkPublishedMap(setup.output)).ok, { what: 'the burst render to be published' });
    await sleep(3_500); // a second render, if any, would have started by now

    const outcome = {
      renderStarts: renderStartTimes(app).filter((t) => t >= burstStart),
      burstStart,
      lastChangeAt,
      debounceMs: 2_000,
      reflectsLastChange: await reflectsBurst(setup.output),
    };
    expect(burstViolations(outcome)).toEqual([]);
    expect((await setup.fake.starts()).length).toBe(2);
    const metrics = await app.metrics();
    expect(metrics).toMatch(/map_renders_total\{result="ok",app="map-watcher"\} 2/);
    expect(metrics).toMatch(/map_render_duration_seconds_count\{app="map-watcher"\} 2/);
    expect(metrics).toMatch(/map_pending_changes\{app="map-watcher"\} 0/);
    expect(metrics).toMatch(/map_last_release_files\{how="linked",app="map-watcher"\} \d+/);
    const health = await healthz(app);
    const last = health.lastRender as { result: string; at: string; durationMs: number };
    expect(last.result).toBe('ok');
    expect(Date.parse(last.at)).toBeGreaterThanOrEqual(lastChangeAt);
    expect(last.durationMs).toBeGreaterThan(0);
  });

  it("the notes' shell loop fails the same case", async () => {
    const setup = await mapSetup({ regions: FILES });
    const output = join(setup.dir, 'shell-output');
    await mkdir(output);
    const stderr: string[] = [];
    shell = spawn('bash', [notesLoop], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...setup.fake.env,
        PATH: `${setup.fake.dir}:${process.env.PATH}`,
        WORLD_PATH: setup.world,
        TMP_PATH: join(setup.dir, 'shell-tmp'),
        OUTPUT_PATH: output,
        DEBOUNCE: '2',
      },
    });
    shell.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    shell.stdout?.resume();
    await waitFor(() => stderr.join('').includes('Watches established'), { what: 'inotifywait to watch the world' });

    const { burstStart, lastChangeAt } = await burst(setup.world);
    await sleep(2_000 + 1_000 + 3_000); // debounce + 1 s, plus slack: every chance to catch up

    const outcome = {
      renderStarts: (await setup.fake.starts()).map((s) => s.at).filter((t) => t >= burstStart),
      burstStart,
      lastChangeAt,
      debounceMs: 2_000,
      reflectsLastChange: await reflectsBurst(output),
    };
    const problems = burstViolations(outcome);
    // It renders on the first change of the burst, i.e. a state the world left long ago.
    expect(problems).toContainEqual(expect.stringMatching(/before the last change/));
    expect(problems.length).toBeGreaterThan(0);
  });
});
