import { silentLogger } from '@homelab/core';
import { describe, expect, it } from 'vitest';
import { fakeWorld } from '../test/fakes.js';
import { resumeIfPaused } from './save-on.js';
import { runBackup, type SequenceDeps, type SequenceOptions } from './sequence.js';
import { initialState } from './state.js';

type World = ReturnType<typeof fakeWorld>;

function run(w: World, overrides: Partial<SequenceOptions> = {}, deps: Partial<SequenceDeps> = {}) {
  const time = w.clock.time;
  return runBackup(
    {
      connector: w.connector,
      borg: w.borg,
      stager: w.staged ? w.stager : undefined,
      state: w.state,
      clock: w.clock,
      log: silentLogger(),
      ...deps,
    },
    {
      id: `run-${time}`,
      trigger: 'now',
      archive: `world-${new Date(time).toISOString()}`,
      archiveDir: w.staged ? '/staging' : '/world',
      keep: { daily: 7, weekly: 4, monthly: 6 },
      announce: 'say',
      commandTimeoutMs: 1000,
      flushTimeoutMs: 1000,
      resumeTimeoutMs: 2000,
      signal: new AbortController().signal,
      pid: 42,
      ...overrides,
    },
  );
}

describe('runBackup: the staged sequence', () => {
  it('pauses only for the copy: save-off, flush, stage, save-on, then borg create, prune, compact', async () => {
    const w = fakeWorld();
    // two earlier archives of today: the newest of the day and the oldest are kept, the middle one goes
    w.borg.archives.push(
      { name: 'world-first-today', time: w.clock.time - 2000 },
      { name: 'world-earlier-today', time: w.clock.time - 1000 },
    );
    const record = await run(w);
    expect(w.rec.names()).toEqual([
      'say [backup] starting a backup of the world',
      'save-off',
      'save-all flush',
      'stage',
      'save-on',
      'borg create /staging',
      'borg prune',
      'borg compact',
      'say [backup] backup finished',
    ]);
    expect(record).toMatchObject({
      status: 'success',
      paused: true,
      archive: expect.stringMatching(/^world-/),
      warnings: [],
      pruned: ['world-earlier-today'],
    });
    expect(record.steps.map((s) => s.step)).toEqual([
      'connect',
      'save-off',
      'save-all flush',
      'stage',
      'save-on',
      'create',
      'prune',
      'compact',
    ]);
    expect(record.freezeMs).toBeGreaterThan(0);
    expect(w.state.current.paused).toBeNull();
    expect(w.state.current.lastSuccess?.id).toBe(record.id);
  });

  it('with a pre-copy: it runs before save-off, while saving is still on; failing, it is only a warning', async () => {
    const w = fakeWorld();
    w.stager.enablePrecopy();
    await run(w, { announce: 'off' });
    expect(w.rec.names().slice(0, 5)).toEqual(['precopy', 'save-off', 'save-all flush', 'stage', 'save-on']);
    const failing = fakeWorld();
    failing.stager.enablePrecopy(new Error('rsync exited with code 23'));
    const record = await run(failing, { announce: 'off' });
    expect(record.status).toBe('success');
    expect(record.warnings).toEqual(['pre-copy failed (the paused copy does it all): rsync exited with code 23']);
    expect(failing.rec.names()).toContain('stage');
  });

  it('persists the paused flag before save-off', async () => {
    const w = fakeWorld();
    await run(w);
    expect(w.pausedAtSaveOff).toEqual([true]);
  });

  it('borg-while-paused (no staging) runs create between flush and save-on', async () => {
    const w = fakeWorld({ staged: false });
    await run(w);
    expect(w.rec.names().slice(1, 5)).toEqual(['save-off', 'save-all flush', 'borg create /world', 'save-on']);
  });

  it('announces with tellraw, or not at all', async () => {
    const w = fakeWorld();
    await run(w, { announce: 'tellraw' });
    expect(w.rec.names()[0]).toBe('tellraw @a {"text":"[backup] starting a backup of the world","color":"gray"}');
    const quiet = fakeWorld();
    await run(quiet, { announce: 'off' });
    expect(quiet.rec.names().some((c) => c.startsWith('say') || c.startsWith('tellraw'))).toBe(false);
  });

  it('a failed announcement is a warning, not a failure', async () => {
    const w = fakeWorld();
    w.connector.behaviours.say = new Error('socket hiccup');
    const record = await run(w);
    expect(record.status).toBe('success');
    expect(record.warnings[0]).toMatch(/announcement failed/);
  });
});

describe('runBackup: failure paths', () => {
  it('borg create fails: saving was already back on, prune is not run, the failure is recorded', async () => {
    const w = fakeWorld();
    w.borg.fail.create = new Error('borg exited with code 2: Repository /nope does not exist');
    const record = await run(w);
    expect(w.rec.names()).toContain('save-on');
    expect(w.rec.names()).not.toContain('borg prune');
    expect(w.rec.names()).not.toContain('borg compact');
    expect(record).toMatchObject({ status: 'failure', failedStep: 'create', error: expect.stringMatching(/does not exist/) });
    expect(record.archive).toBeUndefined();
    expect(w.state.current.lastRun?.status).toBe('failure');
    expect(w.state.current.lastSuccess).toBeNull();
  });

  it('save-all flush times out: save-on is sent on a fresh connection, nothing is staged or archived', async () => {
    const w = fakeWorld();
    w.connector.behaviours['save-all'] = 'hang';
    const record = await run(w);
    expect(w.rec.calls).toContain('rcon#2 save-on');
    expect(w.rec.names()).not.toContain('stage');
    expect(w.rec.names().some((c) => c.startsWith('borg'))).toBe(false);
    expect(record).toMatchObject({ status: 'failure', failedStep: 'save-all flush', error: expect.stringMatching(/timed out/) });
    expect(w.state.current.paused).toBeNull();
  });

  it('a flush the server reports as failed stops the run after save-on', async () => {
    const w = fakeWorld();
    w.connector.behaviours['save-all'] = 'Unable to save the game (is there enough disk space?)';
    const record = await run(w);
    expect(record).toMatchObject({ status: 'failure', failedStep: 'save-all flush' });
    expect(w.rec.names()).toContain('save-on');
    expect(w.rec.names()).not.toContain('stage');
  });

  it('save-off refused by the bridge: save-on is still sent and nothing is archived', async () => {
    const w = fakeWorld();
    w.connector.behaviours['save-off'] = 'refused: command not allowed on this socket';
    const record = await run(w);
    expect(record).toMatchObject({ status: 'failure', failedStep: 'save-off' });
    expect(w.rec.names()).toContain('save-on');
    expect(w.rec.names()).not.toContain('stage');
  });

  it('the staging copy fails: save-on, no archive', async () => {
    const w = fakeWorld();
    w.stager.behaviour = new Error('rsync exited with code 23');
    const record = await run(w);
    expect(w.rec.names().slice(-2)).toEqual(['save-on', 'say [backup] backup failed']);
    expect(record).toMatchObject({ status: 'failure', failedStep: 'stage' });
  });

  it('RCON endpoint unreachable: backs up without pausing and says so', async () => {
    const w = fakeWorld();
    w.connector.unreachable = true;
    const record = await run(w);
    expect(w.rec.names()).toEqual(['connect failed', 'stage', 'borg create /staging', 'borg prune']);
    expect(record).toMatchObject({
      status: 'success',
      paused: false,
      unpausedReason: expect.stringMatching(/unreachable.*without pausing/),
    });
    expect(record.failedStep).toBeUndefined();
  });

  it('bridge up but the server down: no pause, no save-on, backs up and says so', async () => {
    const w = fakeWorld();
    w.connector.behaviours['save-off'] = 'rcon-bridge: error: not connected to RCON at 127.0.0.1:25575 (reconnecting)';
    const record = await run(w, { announce: 'off' });
    expect(w.rec.names()).toEqual(['save-off', 'stage', 'borg create /staging', 'borg prune']);
    expect(record).toMatchObject({
      status: 'success',
      paused: false,
      unpausedReason: expect.stringMatching(/not connected.*without pausing/),
    });
    expect(record.freezeMs).toBeUndefined();
    expect(w.state.current.paused).toBeNull();
  });

  it('RCON endpoint unreachable without staging: borg reads the live world, unpaused', async () => {
    const w = fakeWorld({ staged: false });
    w.connector.unreachable = true;
    const record = await run(w, { announce: 'off' });
    expect(w.rec.names()).toEqual(['connect failed', 'borg create /world', 'borg prune']);
    expect(record).toMatchObject({ status: 'success', paused: false });
  });

  it('aborted (SIGTERM) during the copy: save-on is sent, the run is recorded as aborted', async () => {
    const w = fakeWorld();
    w.stager.behaviour = 'hang';
    const controller = new AbortController();
    const pending = run(w, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 10));
    controller.abort(new Error('SIGTERM'));
    const record = await pending;
    expect(record.status).toBe('aborted');
    expect(w.rec.names()).toContain('save-on');
    expect(w.rec.names().some((c) => c.startsWith('borg'))).toBe(false);
    expect(w.state.current.paused).toBeNull();
  });

  it('save-on cannot be sent: the flag stays persisted, the run fails, and the next start sends it', async () => {
    const w = fakeWorld();
    w.connector.behaviours['save-on'] = new Error('connection reset');
    const record = await run(w);
    expect(record).toMatchObject({ status: 'failure', failedStep: 'save-on', error: expect.stringMatching(/could not be turned back on/) });
    expect(w.state.current.paused).toMatchObject({ pid: 42 });
    // the archive is still made from the complete staging copy
    expect(record.archive).toBeDefined();

    delete w.connector.behaviours['save-on'];
    const resumed = await resumeIfPaused(
      { connector: w.connector, state: w.state, clock: w.clock, log: silentLogger() },
      { commandTimeoutMs: 1000, resumeTimeoutMs: 1000 },
    );
    expect(resumed?.ok).toBe(true);
    expect(w.state.current.paused).toBeNull();
    expect(w.rec.names().at(-1)).toBe('save-on');
  });

  it('prune failing fails the run; compact failing is only a warning', async () => {
    const w = fakeWorld();
    w.borg.fail.prune = new Error('prune exploded');
    expect(await run(w)).toMatchObject({ status: 'failure', failedStep: 'prune' });
    const c = fakeWorld();
    c.borg.archives.push(
      { name: 'world-first-today', time: c.clock.time - 2000 },
      { name: 'world-earlier-today', time: c.clock.time - 1000 },
    );
    c.borg.fail.compact = new Error('compact exploded');
    const record = await run(c);
    expect(record.status).toBe('success');
    expect(record.warnings).toEqual(['compact failed: compact exploded']);
  });
});

it('skips compact when prune deleted nothing', async () => {
  const w = fakeWorld();
  const record = await run(w);
  expect(record.pruned).toEqual([]);
  expect(w.rec.names()).not.toContain('borg compact');
  expect(record.steps.map((s) => s.step)).not.toContain('compact');
});

describe('runBackup: saving left off by a killed run', () => {
  it('sends the owed save-on first, on a connection of its own, while the orphans stop; the run waits for them', async () => {
    const w = fakeWorld({ state: { ...initialState(0), paused: { since: 1, pid: 7, run: 'killed' } } });
    let orphansGone = () => {};
    const leftovers = new Promise<void>((resolve) => {
      orphansGone = resolve;
    });
    const pending = run(w, { announce: 'off' }, { leftovers });
    await new Promise((r) => setTimeout(r, 10));
    expect(w.rec.calls).toEqual(['rcon#1 save-on']);
    expect(w.state.current.paused).toBeNull();
    orphansGone();
    const record = await pending;
    expect(record.status).toBe('success');
    expect(w.rec.calls.slice(1, 4)).toEqual(['rcon#2 save-off', 'rcon#2 save-all flush', 'stage']);
  });
});

describe('resumeIfPaused', () => {
  it('does nothing when saving was not left paused', async () => {
    const w = fakeWorld();
    expect(
      await resumeIfPaused(
        { connector: w.connector, state: w.state, clock: w.clock, log: silentLogger() },
        { commandTimeoutMs: 1, resumeTimeoutMs: 1 },
      ),
    ).toBeUndefined();
    expect(w.rec.calls).toEqual([]);
  });

  it('keeps retrying until the endpoint answers', async () => {
    const w = fakeWorld({ state: { ...initialState(0), paused: { since: 1, pid: 7, run: 'x' } } });
    w.connector.failures = [new Error('ECONNREFUSED'), new Error('ECONNREFUSED')];
    const resumed = await resumeIfPaused(
      { connector: w.connector, state: w.state, clock: w.clock, log: silentLogger() },
      { commandTimeoutMs: 1000, resumeTimeoutMs: 10_000 },
    );
    expect(resumed?.ok).toBe(true);
    expect(w.rec.calls).toEqual(['connect failed', 'connect failed', 'rcon#1 save-on']);
  });
});

describe('a year of nightly runs through the sequence (fake clock, fake repository)', () => {
  it('leaves exactly the archives the keep counts say', async () => {
    const w = fakeWorld();
    w.clock.time = Date.parse('2026-01-01T04:00:00Z');
    for (let i = 0; i < 365; i++) {
      const start = Date.parse('2026-01-01T04:00:00Z') + i * 86_400_000;
      w.clock.time = start;
      const record = await run(w, { announce: 'off' });
      expect(record.status).toBe('success');
    }
    const days = w.borg.archives.map((a) => new Date(a.time).toISOString().slice(0, 10)).sort();
    expect(days).toEqual([
      '2026-06-30',
      '2026-07-31',
      '2026-08-31',
      '2026-09-30',
      '2026-10-31',
      '2026-11-29',
      '2026-11-30',
      '2026-12-06',
      '2026-12-13',
      '2026-12-20',
      '2026-12-25',
      '2026-12-26',
      '2026-12-27',
      '2026-12-28',
      '2026-12-29',
      '2026-12-30',
      '2026-12-31',
    ]);
  });
});
