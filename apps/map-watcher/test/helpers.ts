import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkPublishedMap,
  createFakeRenderer,
  type FakeMapControl,
  type FakeRenderer,
  httpRequest,
  type MapCheck,
  makeTempDir,
  type StartedApp,
  startApp,
  waitFor,
} from '@homelab/testkit';

export interface MapSetup {
  dir: string;
  world: string;
  output: string;
  staging: string;
  fake: FakeRenderer;
  env(extra?: Record<string, string>): Record<string, string>;
}

/** A temp world with `regions` overworld region files, a nether and player data, and a fake renderer. */
export async function mapSetup(opts: { regions?: number; control?: FakeMapControl } = {}): Promise<MapSetup> {
  const dir = await makeTempDir('map-watcher-');
  const world = join(dir, 'world');
  for (const sub of ['region', 'entities', 'playerdata', 'DIM-1/region']) await mkdir(join(world, sub), { recursive: true });
  for (let i = 0; i < (opts.regions ?? 10); i++) await writeFile(join(world, 'region', regionName(i)), `region ${i} v0`);
  await writeFile(join(world, 'DIM-1/region/r.0.0.mca'), 'nether v0');
  await writeFile(join(world, 'playerdata/steve.dat'), 'steve v0');
  await writeFile(join(world, 'level.dat'), 'level');
  const fake = await createFakeRenderer(dir, opts.control ?? {});
  const output = join(dir, 'www', 'map');
  const staging = join(dir, 'staging');
  return {
    dir,
    world,
    output,
    staging,
    fake,
    env: (extra = {}) => ({
      MAP_WORLD: world,
      MAP_OUTPUT: output,
      MAP_STAGING: staging,
      MAP_RENDERER: fake.command,
      MAP_DEBOUNCE: '1s',
      MAP_MAX_WAIT: '60s',
      MAP_RETRY_MIN: '1s',
      MAP_RETRY_MAX: '2s',
      MAP_RELEASE_GRACE: '5s',
      ...fake.env,
      ...extra,
    }),
  };
}

export const regionName = (i: number) => `r.${i % 5}.${Math.floor(i / 5)}.mca`;

export function startWatcher(setup: MapSetup, extra: Record<string, string> = {}): Promise<StartedApp> {
  return startApp('map-watcher', ['run'], { env: setup.env(extra) });
}

/** Times (ms since epoch) of the watcher's `render started` log lines. */
export function renderStartTimes(app: StartedApp): number[] {
  return app.proc
    .logs()
    .filter((l) => l.msg === 'render started')
    .map((l) => Date.parse(String(l.time)));
}

/** Waits until the fake renderer has finished `count` runs; returns them. */
export async function waitForRuns(setup: MapSetup, count: number, timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const ends = (await setup.fake.runs()).filter((r) => r.event === 'end');
      return ends.length >= count ? ends : undefined;
    },
    { timeoutMs, what: `${count} finished renders` },
  );
}

/** Waits until the published map is complete (the fake's `end` comes before the watcher publishes). */
export async function waitPublished(setup: MapSetup, minRenderId = 1): Promise<MapCheck & { ok: true }> {
  return waitFor(
    async () => {
      const check = await checkPublishedMap(setup.output);
      return check.ok && check.renderId >= minRenderId ? check : undefined;
    },
    { timeoutMs: 20_000, what: `render ${minRenderId} to be published` },
  );
}

export async function healthz(app: StartedApp): Promise<Record<string, unknown>> {
  return JSON.parse((await httpRequest(app.health, '/healthz')).body);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface BurstOutcome {
  /** Start times of renders that began after the burst began. */
  renderStarts: number[];
  burstStart: number;
  lastChangeAt: number;
  debounceMs: number;
  /** Whether the published map shows the world as it was after the last change. */
  reflectsLastChange: boolean;
}

/** The acceptance rule for a burst, shared by map-watcher and the notes' shell loop. */
export function burstViolations(o: BurstOutcome): string[] {
  const problems: string[] = [];
  if (o.renderStarts.length !== 1) problems.push(`expected exactly one render after the burst, got ${o.renderStarts.length}`);
  const first = o.renderStarts[0];
  if (first !== undefined && first < o.lastChangeAt) problems.push(`a render started ${o.lastChangeAt - first} ms before the last change`);
  const last = o.renderStarts[o.renderStarts.length - 1];
  if (last !== undefined && last > o.lastChangeAt + o.debounceMs + 1_000) {
    problems.push(`the render started ${last - o.lastChangeAt} ms after the last change (limit debounce + 1 s)`);
  }
  if (!o.reflectsLastChange) problems.push('the published map does not show the last change');
  return problems;
}
