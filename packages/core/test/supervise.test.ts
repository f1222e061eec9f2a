import { describe, expect, it } from 'vitest';
import { createRunner } from '../src/exec.js';
import { createLifecycle } from '../src/lifecycle.js';
import { silentLogger } from '../src/logger.js';
import { superviseChild, superviseService } from '../src/supervise.js';

const log = silentLogger();
const runner = createRunner({ log });

describe('superviseChild', () => {
  it('reads the output line by line and reports how the child exited and how long it ran', async () => {
    const lines: string[] = [];
    const child = superviseChild({
      runner,
      command: 'sh',
      args: ['-c', 'echo one; echo two >&2; printf three; exit 3'],
      log,
      name: 'demo',
      onLine: (line) => lines.push(line),
      killAfterMs: 1_000,
    });
    const exit = await child.exited;
    expect(exit).toMatchObject({ code: 3, signal: undefined });
    expect(exit.durationMs).toBeGreaterThanOrEqual(0);
    expect(lines.sort()).toEqual(['one', 'three', 'two']);
    expect(child.running).toBe(false);
  });

  it('stops with SIGTERM, and with SIGKILL after the grace when SIGTERM is ignored', async () => {
    const polite = superviseChild({ runner, command: 'sleep', args: ['60'], log, name: 'polite', onLine: () => {}, killAfterMs: 30_000 });
    expect(await polite.stop()).toMatchObject({ code: undefined, signal: 'SIGTERM' });
    const stubborn = superviseChild({
      runner,
      command: 'sh',
      args: ['-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done'],
      log,
      name: 'stubborn',
      onLine: (line) => {
        if (line === 'ready') ready();
      },
      killAfterMs: 300,
    });
    let ready = () => {};
    await new Promise<void>((resolve) => {
      ready = resolve;
    });
    expect(await stubborn.stop()).toMatchObject({ signal: 'SIGKILL' });
  });

  it('says why a child could not be started', async () => {
    const child = superviseChild({
      runner,
      command: '/nonexistent/server',
      args: [],
      log,
      name: 'missing',
      onLine: () => {},
      killAfterMs: 100,
    });
    expect((await child.exited).error).toMatch(/ENOENT/);
  });
});

describe('superviseService', () => {
  it('a child dying on its own stops the service as failed; a stop of the service stops the child', async () => {
    const lifecycle = createLifecycle({ log, signals: [] });
    const dying = superviseChild({ runner, command: 'sh', args: ['-c', 'exit 1'], log, name: 'dying', onLine: () => {}, killAfterMs: 100 });
    const tie = superviseService(dying, lifecycle, log, 'dying');
    expect((await lifecycle.stopped).reason).toBe('dying exited');
    expect(tie.failed()).toBe(true);

    const second = createLifecycle({ log, signals: [] });
    const server = superviseChild({ runner, command: 'sleep', args: ['60'], log, name: 'server', onLine: () => {}, killAfterMs: 5_000 });
    const tied = superviseService(server, second, log, 'server');
    await second.stop('asked');
    expect(server.running).toBe(false);
    expect(tied.failed()).toBe(false);
  });
});
