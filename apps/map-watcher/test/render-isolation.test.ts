import { chmod, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive } from '@homelab/core';
import { useCleanup, waitFor } from '@homelab/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { healthz, mapSetup, startWatcher } from './helpers.js';

useCleanup();

// Files where renderer scripts record their background children's PIDs: any still alive after a
// test (a failing one) is killed by PID, so no test leaves an orphan behind.
const pidFiles: string[] = [];
const readPids = async (file: string) => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
afterEach(async () => {
  for (const file of pidFiles.splice(0)) for (const pid of await readPids(file)) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
});

async function script(dir: string, name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

const publishedFiles = async (output: string) => (await readdir(await realpath(output), { recursive: true })).sort();

describe('what a render publishes', () => {
  it("a failed render's leftovers are never published by the next good render", async () => {
    const setup = await mapSetup();
    const mode = join(setup.dir, 'mode');
    const counter = join(setup.dir, 'counter');
    await writeFile(mode, 'ok');
    // A renderer that, when failing, leaves a stray half-written file behind (as a crash mid-render does).
    const renderer = await script(
      setup.dir,
      'renderer.sh',
      [
        `n=$(( $(cat '${counter}' 2>/dev/null || echo 0) + 1 )); echo $n > '${counter}'`,
        `if [ "$(cat '${mode}')" = fail ]; then printf 'half a til' > "$2/stray.webp"; echo "render $n failed" >&2; exit 1; fi`,
        `printf '<p>render %s</p>' $n > "$2/index.html"`,
      ].join('\n'),
    );
    const app = await startWatcher(setup, { MAP_RENDERER: renderer, MAP_DEBOUNCE: '300ms', MAP_RETRY_MIN: '1s' });
    await waitFor(async () => (await readFile(join(setup.output, 'index.html'), 'utf8').catch(() => '')) === '<p>render 1</p>', {
      what: 'render 1 to be published',
    });

    await writeFile(mode, 'fail');
    await writeFile(join(setup.world, 'region', 'r.0.0.mca'), 'changed');
    await app.proc.waitForLine(/render failed; keeping the last good map/, 15_000);
    expect(await publishedFiles(setup.output)).toEqual(['index.html']);

    await writeFile(mode, 'ok');
    const published = await waitFor(
      async () => {
        const html = await readFile(join(setup.output, 'index.html'), 'utf8').catch(() => '');
        return /render [3-9]/.test(html) ? html : undefined;
      },
      { timeoutMs: 20_000, what: 'the retry to be published' },
    );
    expect(published).toMatch(/render \d+/);
    expect(await publishedFiles(setup.output)).toEqual(['index.html']);
    // The release link moves before the result is recorded: wait for the log line that follows both.
    await waitFor(() => app.proc.logs().filter((l) => l.msg === 'map published').length >= 2, {
      timeoutMs: 10_000,
      what: 'the second "map published" line',
    });
    expect(((await healthz(app)).lastRender as { result: string }).result).toBe('ok');
  });

  it("the render timeout and SIGTERM stop the renderer's whole process group, and the daemon stays healthy", async () => {
    const setup = await mapSetup();
    const pids = join(setup.dir, 'pids');
    await writeFile(pids, '');
    pidFiles.push(pids);
    // A renderer that leaves a background child holding its output pipes, then hangs.
    const renderer = await script(setup.dir, 'renderer.sh', `sleep 1000 &\necho $! >> '${pids}'\nexec sleep 999`);
    const bgPids = () => readPids(pids);
    const app = await startWatcher(setup, { MAP_RENDERER: renderer, MAP_RENDER_TIMEOUT: '2s', MAP_RETRY_MIN: '1s', MAP_RETRY_MAX: '1s' });

    await app.proc.waitForLine(/render timed out and was killed/, 20_000);
    const [first] = await bgPids();
    expect(first).toBeGreaterThan(0);
    await waitFor(() => !isProcessAlive(first as number), { timeoutMs: 10_000, what: `background child ${first} to be stopped` });
    expect((await app.readyz()).status).toBe(200);
    expect((await healthz(app)).lastRender).toMatchObject({ result: 'timeout' });

    // The retry hangs the same way; SIGTERM during it stops the daemon within its deadline and leaves no child.
    const second = await waitFor(async () => (await bgPids())[1], { timeoutMs: 15_000, what: 'the retry to start' });
    void app.proc.stop(30_000);
    const exit = await app.proc.waitExit(20_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(app.proc.logs().some((l) => l.msg === 'graceful stop did not finish before its deadline')).toBe(false);
    await waitFor(() => !isProcessAlive(second), { timeoutMs: 10_000, what: `background child ${second} to be stopped` });
  });
});
