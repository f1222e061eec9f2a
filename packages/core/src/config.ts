import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { ConfigError, type ConfigIssue, errorMessage } from './errors.js';

/**
 * zod compiles a fast path for each object schema (`new Function`) on its first parse. A sidecar
 * parses a few documents (its env, its YAML and state files) once at start and at each reload, so
 * that code would be compiled to run once and then kept: every zod parse of the process goes
 * through zod's own parser instead, and no code is generated from strings.
 */
z.config({ jitless: true });

export type ValidationResult<T> = { ok: true; config: T } | { ok: false; issues: ConfigIssue[] };

/** Pure: validates raw values against a schema, turning zod's issues into one-line config issues. */
export function validateConfig<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  opts: { secretKeys?: readonly string[]; keyOf?: (path: PropertyKey[]) => string } = {},
): ValidationResult<z.output<S>> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, config: result.data };
  const keyOf = opts.keyOf ?? ((path: PropertyKey[]) => path.map(String).join('.') || '(root)');
  const secret = new Set(opts.secretKeys ?? []);
  return { ok: false, issues: result.error.issues.map((issue) => toIssue(issue, keyOf, secret, valueAt(raw, issue.path))) };
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let current: unknown = raw;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function toIssue(issue: z.core.$ZodIssue, keyOf: (path: PropertyKey[]) => string, secret: Set<string>, value: unknown): ConfigIssue {
  const key = keyOf(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => keyOf([...issue.path, k]));
    return { key: keys.join(', '), problem: 'unknown key', expected: 'only the documented keys (see --help)' };
  }
  let problem = issue.message;
  // Never echo a secret's value back: zod messages can quote the input.
  if (secret.has(key)) problem = problem.replace(/".*"/, '<secret>');
  if (issue.code === 'invalid_type' && value === undefined) problem = 'is required';
  return { key, problem };
}

export interface EnvConfigOptions {
  /** Env var prefixes owned by the app: an unknown var with one of them is refused as a typo. */
  prefixes?: readonly string[];
  /** Keys that may instead come from a file named by `KEY_FILE` (and are never logged). */
  secrets?: readonly string[];
}

export interface LoadedConfig<T> {
  config: T;
  /** Secret values that were loaded: hand them to the logger so they are redacted. */
  secretValues: string[];
}

/**
 * Reads the schema's keys (env var names) from `env`, resolving `KEY_FILE` for secrets.
 * Throws ConfigError naming every offending key; never returns a partly valid config.
 */
export function loadEnvConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined>,
  opts: EnvConfigOptions = {},
): LoadedConfig<z.output<S>> {
  const known = new Set(Object.keys(schema.shape));
  const secrets = new Set(opts.secrets ?? []);
  const issues: ConfigIssue[] = [];
  const raw: Record<string, string> = {};
  const secretValues: string[] = [];

  for (const key of known) {
    const direct = env[key];
    const fileVar = `${key}_FILE`;
    const file = env[fileVar];
    if (secrets.has(key) && file !== undefined && file !== '') {
      if (direct !== undefined && direct !== '') {
        issues.push({ key, problem: `both ${key} and ${fileVar} are set`, expected: 'only one of them' });
        continue;
      }
      try {
        raw[key] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      } catch (error) {
        issues.push({ key: fileVar, problem: `cannot read ${file}: ${errorMessage(error)}`, expected: 'a readable file' });
      }
    } else if (direct !== undefined && direct !== '') {
      raw[key] = direct;
    }
    if (secrets.has(key) && raw[key] !== undefined && raw[key] !== '') secretValues.push(raw[key]);
  }

  for (const name of Object.keys(env)) {
    if (!opts.prefixes?.some((prefix) => name.startsWith(prefix))) continue;
    const base = name.endsWith('_FILE') ? name.slice(0, -5) : name;
    if (known.has(name) || (secrets.has(base) && known.has(base))) continue;
    issues.push({ key: name, problem: 'unknown setting', expected: `one of ${[...known].sort().join(', ')}` });
  }

  const result = validateConfig(schema, raw, { secretKeys: [...secrets] });
  if (!result.ok) issues.push(...result.issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return { config: (result as { config: z.output<S> }).config, secretValues };
}

/** Reads and validates a YAML config file; errors name the dotted path of the key. */
export function loadYamlConfig<S extends z.ZodType>(schema: S, path: string): z.output<S> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([{ key: '--config', problem: `cannot read ${path}: ${errorMessage(error)}`, expected: 'a readable YAML file' }]);
  }
  return parseYamlConfig(schema, text, path);
}

/** Pure: parses YAML text and validates it. */
export function parseYamlConfig<S extends z.ZodType>(schema: S, text: string, source = 'config'): z.output<S> {
  let raw: unknown;
  try {
    // Loaded on use (like execa in exec.ts): most sidecars take env vars only.
    const { parse } = require('yaml') as typeof import('yaml');
    raw = parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const first = errorMessage(error).split('\n')[0];
    throw new ConfigError([{ key: source, problem: `is not valid YAML: ${first}` }]);
  }
  const result = validateConfig(schema, raw ?? {});
  if (!result.ok) throw new ConfigError(result.issues);
  return result.config;
}

/** Common value schemas with messages that say the expected form. */
export const configValues = {
  port: () =>
    z.coerce
      .number({ message: 'expected a port number 1-65535' })
      .int('expected a whole number')
      .min(1, 'expected a port number 1-65535')
      .max(65535, 'expected a port number 1-65535'),
  int: (min: number, max: number) =>
    z.coerce
      .number({ message: `expected a whole number ${min}-${max}` })
      .int(`expected a whole number ${min}-${max}`)
      .min(min, `expected a whole number ${min}-${max}`)
      .max(max, `expected a whole number ${min}-${max}`),
  bool: () =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { message: 'expected true or false' })
      .transform((v) => ['true', '1', 'yes', 'on'].includes(v)),
  fileMode: () =>
    z
      .string()
      .regex(/^0?[0-7]{3,4}$/, 'expected an octal file mode such as 0660')
      .transform((v) => Number.parseInt(v, 8)),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /** `host:port`, `[v6]:port` or an absolute unix socket path. */
  listen: () =>
    z.string().refine((v) => v.startsWith('/') || /^(\[[0-9a-f:.]+\]|[\w.-]+):\d{1,5}$/i.test(v), {
      message: 'expected host:port or an absolute unix socket path',
    }),
};

/** A zod string checked by a grammar (e.g. `checkAbsolutePath`): its problem becomes the key's error. */
export function checkedString(check: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}
