// The pure half of test/workspace-deps.test.ts: what a workspace imports, what it declares, and the
// cycles of the dependency graph. No disk here, so the test can feed it a broken repo.

export interface Workspace {
  /** The package name, e.g. `@homelab/core`. */
  name: string;
  /** Workspace packages in `dependencies` (what its runtime code may import). */
  dependencies: string[];
  /** Workspace packages in `devDependencies` (what its tests, benches and builds may import too). */
  devDependencies: string[];
  /** Its files (path inside the workspace -> text) that can import something. */
  files: Map<string, string>;
}

/** The workspace packages a source text imports (static, dynamic, side-effect and re-export forms). */
export function importedPackages(text: string, workspaceNames: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]((?:@[\w.-]+\/)?[\w.-]+)(?:\/[^'"]*)?['"]/g)) {
    const name = m[1] as string;
    if (workspaceNames.has(name)) found.add(name);
  }
  return [...found].sort();
}

/** A test, bench or build file: it may import devDependencies. Anything else is runtime code. */
export function isDevFile(path: string): boolean {
  return /\.test\.[cm]?[jt]s$/.test(path) || /(^|\/)(test|bench)\//.test(path) || /(^|\/)[\w.-]+\.config\.[cm]?[jt]s$/.test(path);
}

/** Every import of a workspace package its package.json does not declare (runtime code: in `dependencies`). */
export function undeclaredImports(workspaces: readonly Workspace[]): string[] {
  const names = new Set(workspaces.map((w) => w.name));
  const problems: string[] = [];
  for (const w of workspaces) {
    for (const [path, text] of w.files) {
      const dev = isDevFile(path);
      const allowed = new Set([w.name, ...w.dependencies, ...(dev ? w.devDependencies : [])]);
      for (const imported of importedPackages(text, names)) {
        if (allowed.has(imported)) continue;
        let where = dev ? 'devDependencies' : 'dependencies';
        if (!dev && w.devDependencies.includes(imported)) where += ' (it is only a devDependency)';
        problems.push(`${w.name}: ${path} imports ${imported}, which its package.json does not declare in ${where}`);
      }
    }
  }
  return problems;
}

/** The cycles of the graph "A depends on B" (dependencies and devDependencies), each as `a -> b -> a`. */
export function dependencyCycles(workspaces: readonly Workspace[]): string[] {
  const names = new Set(workspaces.map((w) => w.name));
  const edges = new Map(
    workspaces.map((w) => [w.name, [...new Set([...w.dependencies, ...w.devDependencies])].filter((d) => names.has(d)).sort()]),
  );
  const cycles = new Set<string>();
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string) => {
    const at = path.indexOf(node);
    if (at >= 0) {
      const loop = path.slice(at);
      // One spelling per cycle: start it at its smallest name.
      const start = loop.indexOf([...loop].sort()[0] as string);
      const turned = [...loop.slice(start), ...loop.slice(0, start)];
      cycles.add([...turned, turned[0]].join(' -> '));
      return;
    }
    if (done.has(node)) return;
    path.push(node);
    for (const next of edges.get(node) ?? []) visit(next);
    path.pop();
    done.add(node);
  };
  for (const name of [...names].sort()) visit(name);
  return [...cycles].sort();
}
