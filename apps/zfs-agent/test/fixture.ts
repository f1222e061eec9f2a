import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Reads a recorded command output from test/fixtures. */
export function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`fixtures/${name}`, import.meta.url)), 'utf8');
}
