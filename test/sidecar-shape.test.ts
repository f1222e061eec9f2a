// The shape every app shares (issue 13, docs/architecture.md): a lint over the source tree that fails
// when an app wires its own logger, runner, registry or lifecycle, when main.ts does more than
// `runSidecar(definition)`, or when a test helper sits in a `src/` folder.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { repoRoot, sourceFiles as walk } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';

const apps = readdirSync(join(repoRoot, 'apps')).filter((name) => existsSync(join(repoRoot, 'apps', name, 'package.json')));
const packages = readdirSync(join(repoRoot, 'packages')).filter((name) => existsSync(join(repoRoot, 'packages', name, 'package.json')));

const rel = (file: string) => relative(repoRoot, file);
const isTest = (file: string) => /\.test\.ts$/.test(file);

/** What only packages/core may build: defineSidecar owns config -> logger -> runner -> registry -> health -> lifecycle. */
const HAND_WIRING: [RegExp, string][] = [
  [/\bcreateLogger\s*\(/, 'builds its own logger (createLogger)'],
  [/\bcreateRunner\s*\(/, 'builds its own runner (createRunner)'],
  [/\bcreateMetricsRegistry\s*\(|\bnew\s+Registry\s*\(|\bcollectDefaultMetrics\s*\(/, 'builds its own metrics registry'],
  [/\bcreateLifecycle\s*\(/, 'builds its own lifecycle (createLifecycle)'],
  [/\brunService\s*\(/, 'runs its own service loop (runService)'],
  [/\bloadEnvConfig\s*\(/, 'loads its env by hand (loadEnvConfig; declare it in config.ts instead)'],
  [/\bstartHealthServer\s*\(/, 'starts its own health server'],
];

/** A source file that is a test helper: by name, by folder, or by what it imports. */
function testHelperReason(path: string, text: string): string | undefined {
  if (isTest(path)) return undefined;
  const parts = path.split(sep);
  const base = parts.at(-1) ?? '';
  if (parts.some((p) => /^(testing|tests?|fakes?|fixtures?|mocks?|__tests__)$/.test(p))) return 'lives in a test folder';
  if (
    /^(test|testing|fakes?|fixtures?|mocks?|helpers?)([-.]|$)|[-.](test-support|test-helpers?|testing|fakes?|mocks?)\./.test(base) ||
    /test-(support|helpers?)/.test(base)
  ) {
    return 'is named like a test helper';
  }
  if (/from\s+['"](vitest|@homelab\/testkit(-base)?)['"]/.test(text)) return 'imports vitest or @homelab/testkit';
  return undefined;
}

/** Shape problems of one app; exported so the lint's own test can feed it a broken app. */
function appProblems(app: string, files: Map<string, string>): string[] {
  const problems: string[] = [];
  const src = (name: string) => files.get(`src/${name}`);
  const main = src('main.ts');
  // From core's index, or from its light entry (run-sidecar.ts) where a bare command must start
  // without the index (sftp-config's rsync-gate).
  const oneLiner =
    /^import \{ runSidecar \} from '@homelab\/core(\/run-sidecar)?';\nimport \{ (\w+) \} from '\.\/cli\.js';\n\nrunSidecar\(\2\);\n$/;
  if (main === undefined) problems.push(`${app}: src/main.ts is missing`);
  else if (!oneLiner.test(main)) problems.push(`${app}: src/main.ts must be only "runSidecar(definition)" from ./cli.js`);
  const cli = src('cli.ts');
  if (cli === undefined) problems.push(`${app}: src/cli.ts (the SidecarDefinition) is missing`);
  else if (!/(:|satisfies)\s*SidecarDefinition</.test(cli)) problems.push(`${app}: src/cli.ts does not export a SidecarDefinition`);
  const config = src('config.ts');
  if (config === undefined) problems.push(`${app}: src/config.ts (the env schema) is missing`);
  else if (!/export const \w*[eE]nv\w*\s*(:\s*SidecarEnv<[^=]*)?=/.test(config))
    problems.push(`${app}: src/config.ts does not export its env schema`);
  if (cli && /\n\s+service:\s*\{/.test(cli) && src('app.ts') === undefined)
    problems.push(`${app}: has a service but no src/app.ts (its build)`);
  for (const [path, text] of files) {
    if (!path.startsWith('src/') || isTest(path)) continue;
    for (const [pattern, what] of HAND_WIRING) if (pattern.test(text)) problems.push(`apps/${app}/${path} ${what}`);
    if (path !== 'src/main.ts' && /\bprocess\.(env|argv|exit|exitCode|on|once|stdout|stderr|stdin)\b/.test(text)) {
      problems.push(`apps/${app}/${path} touches the process (only main.ts may, through runSidecar)`);
    }
  }
  return problems;
}

function filesOf(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of walk(dir)) files.set(relative(dir, file).split(sep).join('/'), readFileSync(file, 'utf8'));
  return files;
}

/** Relative imports into another workspace's test files or into a package's src (use the package name). */
function crossImports(file: string, text: string): string[] {
  const problems: string[] = [];
  const [group, name] = relative(repoRoot, file).split(sep);
  // The cross-service tests (top-level test/) are a workspace of their own too.
  if (group !== 'test' && ((group !== 'apps' && group !== 'packages') || name === undefined)) return problems;
  const home = group === 'test' ? join(repoRoot, 'test') : join(repoRoot, group, name as string);
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = resolve(dirname(file), m[1] as string);
    if (target.startsWith(home + sep)) continue;
    const [tGroup, , tDir] = relative(repoRoot, target).split(sep);
    if (tDir === 'test' || (tGroup === 'packages' && tDir === 'src')) problems.push(`${rel(file)} imports ${m[1]} from another workspace`);
  }
  return problems;
}

describe('the sidecar shape', () => {
  it('every app has the four rooms and wires nothing by hand', () => {
    const problems = apps.flatMap((app) => appProblems(app, filesOf(join(repoRoot, 'apps', app))));
    expect(problems).toEqual([]);
  });

  it('no test helper lives under a src/ folder (they belong in packages/testkit or the app test/)', () => {
    const problems: string[] = [];
    for (const group of ['apps', 'packages']) {
      for (const name of group === 'apps' ? apps : packages.filter((p) => p !== 'testkit' && p !== 'testkit-base')) {
        for (const file of walk(join(repoRoot, group, name, 'src'))) {
          const reason = testHelperReason(relative(join(repoRoot, group, name, 'src'), file), readFileSync(file, 'utf8'));
          if (reason) problems.push(`${rel(file)} ${reason}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("no relative import into another workspace: not another app's tests, not another package's src", () => {
    const problems: string[] = [];
    for (const group of ['apps', 'packages']) {
      for (const name of group === 'apps' ? apps : packages) {
        for (const dir of ['src', 'test', 'bench']) {
          for (const file of walk(join(repoRoot, group, name, dir))) problems.push(...crossImports(file, readFileSync(file, 'utf8')));
        }
      }
    }
    // This file is left out: its own examples of bad imports are strings, not imports.
    for (const file of walk(join(repoRoot, 'test')).filter((f) => !f.endsWith(`${sep}sidecar-shape.test.ts`)))
      problems.push(...crossImports(file, readFileSync(file, 'utf8')));
    expect(problems).toEqual([]);
  });

  it("core knows no app's variable names (each app's secrets come from its own definition)", () => {
    const appVar = /\b(RCON|BORG|BACKUP|BRIDGE|MAP|CGIT|GIT_SHELL|ZFS_AGENT|CONSOLE|STATS|SFTP|WG|EDGE_GUARD|LABCTL)_[A-Z][A-Z_]*/;
    const hits = walk(join(repoRoot, 'packages', 'core', 'src'))
      .filter((file) => !isTest(file))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => appVar.test(line))
          .map((line) => `${rel(file)}: ${line.trim()}`),
      );
    expect(hits).toEqual([]);
  });

  it('the lint itself catches a hand-wired app, a fat main.ts and test helpers', () => {
    const broken = new Map([
      ['src/main.ts', "import { main } from '@homelab/core';\nmain(cli);\n"],
      ['src/cli.ts', 'export const x = 1;\n  service: {'],
      ['src/work.ts', "const log = createLogger({ name: 'x' });\nconst r = new Registry();\nprocess.env.X;\n"],
    ]);
    const problems = appProblems('demo', broken);
    expect(problems).toEqual([
      'demo: src/main.ts must be only "runSidecar(definition)" from ./cli.js',
      'demo: src/cli.ts does not export a SidecarDefinition',
      'demo: src/config.ts (the env schema) is missing',
      'demo: has a service but no src/app.ts (its build)',
      'apps/demo/src/work.ts builds its own logger (createLogger)',
      'apps/demo/src/work.ts builds its own metrics registry',
      'apps/demo/src/work.ts touches the process (only main.ts may, through runSidecar)',
    ]);
    const light = "import { runSidecar } from '@homelab/core/run-sidecar';\nimport { gate } from './cli.js';\n\nrunSidecar(gate);\n";
    expect(appProblems('demo', new Map([['src/main.ts', light]]))).not.toContain(
      'demo: src/main.ts must be only "runSidecar(definition)" from ./cli.js',
    );
    const twoNames = "import { runSidecar } from '@homelab/core';\nimport { a } from './cli.js';\n\nrunSidecar(b);\n";
    expect(appProblems('demo', new Map([['src/main.ts', twoNames]]))).toContain(
      'demo: src/main.ts must be only "runSidecar(definition)" from ./cli.js',
    );
    expect(testHelperReason('test-helpers.ts', '')).toBe('is named like a test helper');
    expect(testHelperReason('testing/fakes.ts', '')).toBe('lives in a test folder');
    expect(testHelperReason('clock.ts', "import { vi } from 'vitest';")).toBe('imports vitest or @homelab/testkit');
    expect(testHelperReason('render.test.ts', "import { it } from 'vitest';")).toBeUndefined();
    expect(testHelperReason('schedule.ts', '')).toBeUndefined();
    const file = join(repoRoot, 'apps', 'mc-console', 'test', 'exec.test.ts');
    expect(crossImports(file, "import { startBridge } from '../../rcon-bridge/test/helpers.js';")).toHaveLength(1);
    expect(crossImports(file, "import { x } from './helpers.js';")).toEqual([]);
    expect(crossImports(file, "import { x } from '../../../packages/testkit/src/index.js';")).toHaveLength(1);
    const crossService = join(repoRoot, 'test', 'backup-failures.test.ts');
    expect(crossImports(crossService, "import { webhook } from '../apps/mc-backup/test/helpers.js';")).toHaveLength(1);
    expect(crossImports(crossService, "import { startBackupStack } from './backup-helpers.js';")).toEqual([]);
  });
});
