import { join } from 'node:path';
import { bundleScript, httpRequest, makeTempDir, startProcess, useCleanup, waitFor } from '@homelab/testkit-base';
import { describe, expect, it } from 'vitest';

useCleanup('each');

const core = JSON.stringify(new URL('../src/index.ts', import.meta.url).pathname);

// A sidecar whose build leaves about 20 MiB of garbage (and keeps nothing of it); its start prints a
// marker. `--trace-gc` prints every collection on stdout: a collection asked for with gc() is a
// Mark-Compact whose reason V8 calls "testing".
const source = `
import * as z from 'zod';
import { commonEnvShape, runSidecar } from ${core};
runSidecar({
  name: 'littered',
  summary: 'a service whose build leaves garbage',
  env: { schema: z.object({ ...commonEnvShape }), prefixes: [], docs: [] },
  service: {
    summary: 'serve',
    build: () => {
      let junk = [];
      for (let i = 0; i < 200_000; i++) junk.push({ i, text: 'x'.repeat(64) + i });
      junk = undefined;
      return { start: () => { process.stdout.write('service start\\n'); } };
    },
  },
});
`;

describe('start garbage', () => {
  it("the start's garbage is collected after the health server listens and before the service's start", async () => {
    const dir = await makeTempDir('garbage-');
    const bundle = await bundleScript(dir, 'littered', source, { minify: true });
    const health = join(dir, 'health.sock');
    const proc = startProcess(process.execPath, ['--trace-gc', bundle], { env: { HEALTH_LISTEN: health, LOG_LEVEL: 'warn' } });
    await waitFor(async () => (await httpRequest(health, '/healthz').catch(() => ({ status: 0 }))).status === 200, {
      what: 'littered sidecar live',
      timeoutMs: 30_000,
    });
    await proc.waitForLine(/^service start$/, 30_000);
    proc.signal('SIGTERM');
    const exit = await proc.waitExit(20_000);
    expect(exit.code).toBe(0);
    const lines = proc.output.split('\n');
    const startAt = lines.indexOf('service start');
    const asked = lines.findIndex((l) => /Mark-Compact.*testing/.test(l));
    expect(asked, `no gc() collection in:\n${proc.output}`).toBeGreaterThanOrEqual(0);
    expect(asked).toBeLessThan(startAt);
  });
});
