import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every TypeScript/JavaScript file below `dir` (none when it is missing), leaving out node_modules and dist. */
export function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.[cm]?[jt]s$/.test(name)) out.push(full);
  }
  return out;
}
