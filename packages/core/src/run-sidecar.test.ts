import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { renderHelp, runCli } from './cli.js';
import { ManualClock } from './clock.js';
import { bareCli, loadSidecar } from './run-sidecar.js';
import { commonEnvShape } from './service.js';
import { type BareDeps, defineSidecar, type SidecarDefinition, type SidecarEnv, type SidecarHost } from './sidecar.js';

const schema = z.object({ ...commonEnvShape, DEMO_COUNT: z.coerce.number().int().min(1) });
const demoEnv: SidecarEnv<typeof schema> = { schema, prefixes: ['DEMO_'], docs: [{ name: 'DEMO_COUNT', description: 'how many' }] };

function host(): SidecarHost & { err: string[] } {
  const err: string[] = [];
  return {
    err,
    io: { stdout: () => {}, stderr: (t) => err.push(t), onSignal: () => {}, stdin: process.stdin, stdoutStream: process.stdout },
    clock: new ManualClock(1000),
    stopSignals: [],
  };
}

/** A sidecar whose env loader counts its calls: a bare command must never need it. */
function demo(seen: BareDeps[]) {
  let envLoads = 0;
  const def: SidecarDefinition<typeof schema> = {
    name: 'demo',
    summary: 'a demo',
    env: async () => {
      envLoads++;
      return demoEnv;
    },
    commands: {
      show: { summary: 'needs the env', run: ({ config }) => config.DEMO_COUNT },
      gate: {
        bare: true,
        summary: 'needs nothing',
        usage: 'gate --to X',
        flags: { to: { type: 'string', description: 'where' } },
        run: async (deps) => {
          seen.push(deps);
          const echo = await deps.runner.run(process.execPath, ['-e', 'process.stdout.write("ran")']);
          deps.io.stderr(`${deps.flags.to} ${echo.stdout}\n`);
          return 7;
        },
      },
    },
  };
  return { def, envLoads: () => envLoads };
}

describe('bare commands (dispatched before the definition loads)', () => {
  it('runs the bare command the command line names, without loading or validating the env', async () => {
    const seen: BareDeps[] = [];
    const { def, envLoads } = demo(seen);
    const h = host();
    const cli = bareCli(def, ['gate', '--to', 'x', '--', 'more'], h);
    expect(cli && Object.keys(cli.commands)).toEqual(['gate']);
    // DEMO_COUNT=0 and an unknown DEMO_ var would both be exit 2 for a command with config.
    expect(await runCli(cli as NonNullable<typeof cli>, ['gate', '--to', 'x', '--', 'more'], { DEMO_COUNT: '0', DEMO_TYPO: '1' })).toBe(7);
    expect(envLoads()).toBe(0);
    expect(h.err).toEqual(['x ran\n']);
    expect(seen[0]).toMatchObject({ args: [], rest: ['more'], flags: { to: 'x' }, env: { DEMO_COUNT: '0' } });
    expect(seen[0]?.clock.now()).toBe(1000);
  });

  it('leaves every other command line to the whole definition', () => {
    const { def } = demo([]);
    for (const argv of [[], ['show'], ['gate', '--help'], ['gate', '-h'], ['help'], ['--to', 'x'], ['nope']]) {
      expect(bareCli(def, argv, host())).toBeUndefined();
    }
  });

  it('refuses an unknown flag of a bare command with exit 2', async () => {
    const { def } = demo([]);
    const err: string[] = [];
    const cli = bareCli(def, ['gate', '--bogus'], host());
    expect(await runCli(cli as NonNullable<typeof cli>, ['gate', '--bogus'], {}, { stdout: () => {}, stderr: (t) => err.push(t) })).toBe(2);
    expect(err.join('')).toMatch(/--bogus/);
  });

  it('the whole definition loads its env first, lists the bare command and runs it the same way', async () => {
    const seen: BareDeps[] = [];
    const { def, envLoads } = demo(seen);
    expect(() => defineSidecar(def)).toThrow(/loadSidecar/);
    const loaded = await loadSidecar(def);
    expect(envLoads()).toBe(1);
    const h = host();
    const cli = defineSidecar(loaded, h);
    expect(renderHelp(cli)).toMatch(/gate --to X\s+needs nothing[\s\S]*DEMO_COUNT/);
    expect(await runCli(cli, ['show'], { DEMO_COUNT: '3', LOG_LEVEL: 'silent' })).toBe(3);
    expect(await runCli(cli, ['gate', '--to', 'y'], { DEMO_COUNT: '0' })).toBe(7);
    expect(h.err).toEqual(['y ran\n']);
  });
});
