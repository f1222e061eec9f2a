import { readFile } from 'node:fs/promises';
import { errorMessage, validateConfig } from '@homelab/core';
import { parse as parseYaml } from 'yaml';
import type { LabIssue } from './issues.js';
import { type Lab, labSchema } from './schema.js';

export type ParseResult = { ok: true; lab: Lab } | { ok: false; issues: LabIssue[] };

/** Pure: YAML text to a validated lab, or one issue per schema problem. */
export function parseLab(text: string, source = 'lab.yaml'): ParseResult {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    return { ok: false, issues: [{ entry: source, problem: `is not valid YAML: ${errorMessage(error).split('\n')[0]}` }] };
  }
  const result = validateConfig(labSchema, raw ?? {});
  if (result.ok) return { ok: true, lab: result.config };
  return {
    ok: false,
    issues: result.issues.map((issue) => ({
      entry: issue.key,
      problem: issue.problem,
      fix: issue.problem === 'unknown key' ? 'remove it or correct its spelling (see lab.schema.json)' : issue.expected,
    })),
  };
}

export async function readLabText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}
