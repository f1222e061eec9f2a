// Every workspace declares the workspace packages it imports (its tests' imports as devDependencies),
// and the dependency graph has no cycle: a package's tests cannot use a test helper that depends on
// that package (core's and rcon's tests use @homelab/testkit-base, which depends on nothing here).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { repoRoot, sourceFiles } from '@homelab/testkit';
import { describe, expect, it } from 'vitest';
import { dependencyCycles, importedPackages, isDevFile, undeclaredImports, type Workspace } from './workspace-graph.js';

function readWorkspace(dir: string, sources: string[]): Workspace {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    name: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const files = new Map<string, string>();
  for (const source of sources)
    for (const file of sourceFiles(join(dir, source))) files.set(relative(dir, file).split(sep).join('/'), readFileSync(file, 'utf8'));
  for (const name of readdirSync(dir).filter((n) => /\.[cm]?[jt]s$/.test(n))) files.set(name, readFileSync(join(dir, name), 'utf8'));
  return {
    name: pkg.name,
    dependencies: Object.keys(pkg.dependencies ?? {}),
    devDependencies: Object.keys(pkg.devDependencies ?? {}),
    files,
  };
}

function readRepo(): Workspace[] {
  const workspaces = ['apps', 'packages'].flatMap((group) =>
    readdirSync(join(repoRoot, group))
      .filter((name) => existsSync(join(repoRoot, group, name, 'package.json')))
      .map((name) => readWorkspace(join(repoRoot, group, name), ['.'])),
  );
  // The repository root is a workspace too: the cross-service tests (test/) and the bench runner.
  const root = readWorkspace(repoRoot, ['test', 'bench', 'scripts']);
  return [...workspaces, root];
}

describe('workspace dependencies', () => {
  const repo = readRepo();

  it('every import of a workspace package is declared (tests and benches: devDependencies at least)', () => {
    expect(undeclaredImports(repo)).toEqual([]);
  });

  it('the workspace dependency graph (dependencies and devDependencies) has no cycle', () => {
    expect(dependencyCycles(repo)).toEqual([]);
  });

  it('the check itself catches an undeclared test import, a runtime import of a devDependency and a cycle', () => {
    const ws = (name: string, deps: string[], dev: string[], files: Record<string, string> = {}): Workspace => ({
      name,
      dependencies: deps,
      devDependencies: dev,
      files: new Map(Object.entries(files)),
    });
    const names = new Set(['@demo/lib', '@demo/kit', 'demo-app']);
    expect(importedPackages("import { a } from '@demo/lib';\nexport * from \"@demo/kit/sub\";\nawait import('demo-app');", names)).toEqual([
      '@demo/kit',
      '@demo/lib',
      'demo-app',
    ]);
    expect(importedPackages("import { x } from 'zod';\nimport { y } from './lib.js';", names)).toEqual([]);
    expect(isDevFile('src/clock.test.ts') && isDevFile('test/helpers.ts') && isDevFile('bench/x.bench.ts')).toBe(true);
    expect(isDevFile('src/clock.ts')).toBe(false);

    const broken = [
      ws('@demo/lib', [], ['@demo/kit'], {
        'test/a.test.ts': "import { kit } from '@demo/kit';",
        'src/b.test.ts': "import { x } from 'demo-app';",
      }),
      ws('@demo/kit', ['@demo/lib'], [], { 'src/index.ts': "import { lib } from '@demo/lib';" }),
      ws('demo-app', ['@demo/lib'], ['@demo/kit'], { 'src/main.ts': "import { kit } from '@demo/kit';" }),
    ];
    expect(undeclaredImports(broken)).toEqual([
      '@demo/lib: src/b.test.ts imports demo-app, which its package.json does not declare in devDependencies',
      'demo-app: src/main.ts imports @demo/kit, which its package.json does not declare in dependencies (it is only a devDependency)',
    ]);
    expect(dependencyCycles(broken)).toEqual(['@demo/kit -> @demo/lib -> @demo/kit']);
    expect(dependencyCycles([ws('a', ['b'], []), ws('b', [], ['c']), ws('c', ['a'], [])])).toEqual(['a -> b -> c -> a']);
    expect(dependencyCycles([ws('a', ['b'], []), ws('b', [], [])])).toEqual([]);
  });
});
