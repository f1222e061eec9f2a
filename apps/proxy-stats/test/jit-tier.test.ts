import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appBundle, makeTempDir, startApp, startProcess, useCleanup } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';

useCleanup();

/**
 * proxy-stats declares `jitTier: 'interpreter'` (src/cli.ts): a restart on existing data copies
 * goaccess's database (about 230 files) at its first run, hot enough for TurboFan, whose code pages
 * and compile zones would then stay resident at idle (docs/architecture.md "## Memory").
 */
describe('proxy-stats stays in the interpreter', () => {
  it('a restart on existing data publishes its first report with nothing optimized (--trace-opt)', { timeout: 90_000 }, async () => {
    const dir = await makeTempDir('proxy-stats-tier-');
    const log = join(dir, 'access.log');
    await writeFile(log, '');
    const env = { STATS_LOG: log, STATS_DATA: join(dir, 'data'), STATS_INTERVAL: '10m', STATS_RUN_TIMEOUT: '30s' };

    // First start: an empty history becomes goaccess's database and a first report.
    const first = await startApp('proxy-stats', [], { env, readyTimeoutMs: 30_000 });
    await first.proc.waitForLine(/"report published"/, 30_000);
    first.proc.signal('SIGTERM');
    expect((await first.proc.waitExit(20_000)).code).toBe(0);

    // Restart on that data, under --trace-opt (V8 prints every optimization it completes).
    const health = join(dir, 'health.sock');
    const again = startProcess(process.execPath, ['--trace-opt', appBundle('proxy-stats')], {
      env: { ...env, HEALTH_LISTEN: health, LOG_LEVEL: 'debug' },
      label: 'proxy-stats --trace-opt',
    });
    await again.waitForLine(/"report published"/, 30_000);
    // Idle a moment: a compile finished late would be printed now.
    await new Promise((r) => setTimeout(r, 500));
    again.signal('SIGTERM');
    expect((await again.waitExit(20_000)).code).toBe(0);

    expect(again.output).not.toContain('completed optimizing');
    expect(again.logs().filter((l) => l.jitTier !== undefined)).toEqual([
      expect.objectContaining({ jitTier: 'interpreter', level: 'debug' }),
    ]);
  });
});
