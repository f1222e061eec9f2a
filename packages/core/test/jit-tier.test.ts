import { join } from 'node:path';
import { bundleScript, httpRequest, makeTempDir, startProcess, useCleanup, waitFor } from '@homelab/testkit-base';
import { describe, expect, it } from 'vitest';

useCleanup('each');

const core = JSON.stringify(new URL('../src/index.ts', import.meta.url).pathname);

// A sidecar whose build and start run the same small function three million times each, hot
// enough for TurboFan; `--trace-opt` makes V8 print every optimization it completes, and
// `--trace-baseline-batch-compilation` every function it queues for Sparkplug.
const sidecarSource = (jitTier: string | undefined) => `
import * as z from 'zod';
import { commonEnvShape, runSidecar } from ${core};
const hot = (x) => (x * 31 + 7) % 1013;
const spin = () => { let s = 0; for (let i = 0; i < 3e6; i++) s += hot(i); return s; };
runSidecar({
  name: 'tiered',
  summary: 'a service with a hot start',
  env: { schema: z.object({ ...commonEnvShape }), prefixes: [], docs: [] },
  service: {
    summary: 'serve',
    ${jitTier === undefined ? '' : `jitTier: ${JSON.stringify(jitTier)},`}
    build: () => {
      const sum = spin();
      return { start: () => { process.stdout.write('spun ' + (sum + spin()) + '\\n'); } };
    },
  },
});
`;

/** Starts the sidecar under both traces, waits until it is live and has idled a moment, stops it. */
async function runTraced(jitTier: string | undefined) {
  const dir = await makeTempDir('tier-');
  const bundle = await bundleScript(dir, 'tiered', sidecarSource(jitTier), { minify: true });
  const health = join(dir, 'health.sock');
  const proc = startProcess(process.execPath, ['--trace-opt', '--trace-baseline-batch-compilation', bundle], {
    env: { HEALTH_LISTEN: health, LOG_LEVEL: 'debug' },
  });
  await waitFor(async () => (await httpRequest(health, '/healthz').catch(() => ({ status: 0 }))).status === 200, {
    what: 'tiered sidecar live',
    timeoutMs: 30_000,
  });
  await proc.waitForLine(/^spun \d+/, 30_000);
  // Idle a moment: a concurrent compile that finished late would be installed (and printed) now.
  await new Promise((r) => setTimeout(r, 300));
  proc.signal('SIGTERM');
  const exit = await proc.waitExit(20_000);
  return { exit, output: proc.output, logs: proc.logs() };
}

const optimized = /completed optimizing .*(hot|spin)/;
const baselineCompiled = /Enqueued SFI (hot|spin) /;

describe('service.jitTier', () => {
  it("'interpreter': the service's hot code is neither optimized nor baseline-compiled, and the tier is logged once at debug", async () => {
    const { exit, output, logs } = await runTraced('interpreter');
    expect(exit.code).toBe(0);
    expect(output).toMatch(/^spun \d+/m);
    expect(output).not.toMatch(optimized);
    expect(output).not.toMatch(baselineCompiled);
    expect(logs.filter((l) => l.jitTier !== undefined)).toEqual([
      expect.objectContaining({ jitTier: 'interpreter', v8Flag: '--max-opt=0', level: 'debug' }),
    ]);
  });

  it("'baseline': the service's hot code is baseline-compiled (Sparkplug) but never optimized", async () => {
    const { exit, output, logs } = await runTraced('baseline');
    expect(exit.code).toBe(0);
    expect(output).not.toMatch(optimized);
    expect(output).toMatch(baselineCompiled);
    expect(logs.filter((l) => l.jitTier !== undefined)).toEqual([
      expect.objectContaining({ jitTier: 'baseline', v8Flag: '--max-opt=1', level: 'debug' }),
    ]);
  });

  it('undeclared: V8 optimizes the same hot code with TurboFan (what the declaration turns off)', async () => {
    const { exit, output, logs } = await runTraced(undefined);
    expect(exit.code).toBe(0);
    expect(output).toMatch(optimized);
    expect(logs.filter((l) => l.jitTier !== undefined)).toEqual([]);
  });
});
