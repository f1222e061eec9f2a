import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleScript, httpRequest, makeTempDir, startProcess, useCleanup, waitFor } from '@homelab/testkit-base';
import { describe, expect, it } from 'vitest';

useCleanup('each');

const core = JSON.stringify(new URL('../src/index.ts', import.meta.url).pathname);

// A minimal sidecar built the way every app is: config with a *_FILE secret, logger, runService.
const appSource = `
import * as z from 'zod';
import { commonEnvDocs, commonEnvShape, createLogger, loadEnvConfig, main, runService, configValues } from ${core};
const schema = z.object({ ...commonEnvShape, DEMO_PASSWORD: z.string().min(8, 'expected at least 8 characters'), DEMO_PORT: configValues.port().default(25575) });
main({
  name: 'demo',
  summary: 'demo sidecar',
  env: [...commonEnvDocs, { name: 'DEMO_PASSWORD', description: 'the password' }],
  defaultCommand: 'run',
  commands: {
    run: {
      summary: 'serve',
      run: async ({ env }) => {
        const { config, secretValues } = loadEnvConfig(schema, env, { prefixes: ['DEMO_'], secrets: ['DEMO_PASSWORD'] });
        const log = createLogger({ name: 'demo', level: config.LOG_LEVEL, secrets: secretValues });
        return runService({
          name: 'demo', log, healthListen: config.HEALTH_LISTEN,
          checks: { upstream: () => true },
          start: async ({ lifecycle }) => {
            log.info({ password: config.DEMO_PASSWORD }, 'connecting with ' + config.DEMO_PASSWORD);
            lifecycle.onStop('slow work', () => new Promise((r) => setTimeout(r, 300)));
          },
        });
      },
    },
  },
});
`;

async function setup() {
  const dir = await makeTempDir('svc-');
  const bundle = await bundleScript(dir, 'demo', appSource);
  const secretFile = join(dir, 'password');
  writeFileSync(secretFile, 'correct-horse-battery\n');
  return { dir, bundle, secretFile };
}

describe('a sidecar built on the core, as a real process', () => {
  it('starts, is ready, keeps the _FILE secret out of its logs, and stops cleanly on SIGTERM', async () => {
    const { dir, bundle, secretFile } = await setup();
    const health = join(dir, 'health.sock');
    const proc = startProcess(process.execPath, [bundle], { env: { HEALTH_LISTEN: health, DEMO_PASSWORD_FILE: secretFile } });
    await waitFor(async () => (await httpRequest(health, '/readyz').catch(() => ({ status: 0 }))).status === 200, { what: 'ready' });
    await proc.waitForLine(/connecting with/);
    proc.signal('SIGTERM');
    const exit = await proc.waitExit(10_000);
    expect(exit.code).toBe(0);
    expect(proc.output).not.toContain('correct-horse-battery');
    const messages = proc.logs().map((l) => l.msg);
    expect(messages).toEqual(expect.arrayContaining(['started', 'stopping', 'stopped']));
  });

  it.each([
    ['wrong type', { DEMO_PORT: 'http' }, 'DEMO_PORT'],
    ['out of range', { DEMO_PORT: '99999' }, 'DEMO_PORT'],
    ['unknown key', { DEMO_PROT: '1' }, 'DEMO_PROT'],
    ['unreadable _FILE', { DEMO_PASSWORD_FILE: '/nonexistent/pw' }, 'DEMO_PASSWORD_FILE'],
  ])('%s: exits 2 with one stderr line naming the key', async (_name, env, key) => {
    const { bundle, secretFile } = await setup();
    const proc = startProcess(process.execPath, [bundle], { env: { DEMO_PASSWORD_FILE: secretFile, ...env } });
    const exit = await proc.waitExit();
    expect(exit.code).toBe(2);
    expect(proc.stderr.filter(Boolean)).toHaveLength(1);
    expect(proc.stderr[0]).toContain(key);
    expect(proc.stdout.filter(Boolean)).toEqual([]);
  });

  it('--help lists commands and exits 0', async () => {
    const { bundle } = await setup();
    const proc = startProcess(process.execPath, [bundle, '--help']);
    expect((await proc.waitExit()).code).toBe(0);
    expect(proc.output).toContain('run');
    expect(proc.output).toContain('HEALTH_LISTEN');
  });
});
