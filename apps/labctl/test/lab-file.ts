import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseLab } from '../src/load.js';
import type { Lab } from '../src/schema.js';

/** The committed lab file and helpers to derive broken copies of it (tests only). */
export const LAB_PATH = fileURLToPath(new URL('../../../lab/lab.yaml', import.meta.url));
export const labText = () => readFileSync(LAB_PATH, 'utf8');
export const labRaw = () => parse(labText()) as Record<string, unknown> & { links: Record<string, unknown>[] };

export function loadLab(raw: unknown = labRaw()): Lab {
  const parsed = parseLab(JSON.stringify(raw));
  if (!parsed.ok) throw new Error(parsed.issues.map((i) => `${i.entry}: ${i.problem}`).join('\n'));
  return parsed.lab;
}
