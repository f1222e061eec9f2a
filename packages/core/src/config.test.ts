import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDirSync, useCleanup } from '@homelab/testkit-base';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type CliSpec, runCli } from './cli.js';
import { configValues, loadEnvConfig, parseYamlConfig, validateConfig } from './config.js';
import { duration } from './duration.js';
import { ConfigError } from './errors.js';

useCleanup('all');

const schema = z.object({
  APP_PORT: configValues.port().default(25575),
  APP_TIMEOUT: duration().prefault('30s'),
  APP_PASSWORD: z.string().min(1),
  APP_VERBOSE: configValues.bool().default(false),
});
const opts = { prefixes: ['APP_'], secrets: ['APP_PASSWORD'] };

function issuesOf(env: Record<string, string>): string {
  try {
    loadEnvConfig(schema, env, opts);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadEnvConfig', () => {
  it('applies defaults and parses values', () => {
    const { config } = loadEnvConfig(schema, { APP_PASSWORD: 'pw', APP_VERBOSE: 'yes' }, opts);
    expect(config).toEqual({ APP_PORT: 25575, APP_TIMEOUT: 30_000, APP_PASSWORD: 'pw', APP_VERBOSE: true });
  });

  it('names the key of a wrong type', () => {
    expect(issuesOf({ APP_PASSWORD: 'pw', APP_PORT: 'abc' })).toMatch(/APP_PORT: expected a port number 1-65535/);
  });

  it('names the key of an out-of-range value', () => {
    expect(issuesOf({ APP_PASSWORD: 'pw', APP_PORT: '70000' })).toMatch(/APP_PORT: expected a port number 1-65535/);
  });

  it('refuses an unknown key with the app prefix', () => {
    expect(issuesOf({ APP_PASSWORD: 'pw', APP_PROT: '1' })).toMatch(/APP_PROT: unknown setting/);
  });

  it('says a required key is missing', () => {
    expect(issuesOf({})).toMatch(/APP_PASSWORD: is required/);
  });

  it('reads a secret from NAME_FILE, dropping one trailing newline', () => {
    const dir = makeTempDirSync('cfg-');
    writeFileSync(join(dir, 'pw'), 's3cret-value\n');
    const loaded = loadEnvConfig(schema, { APP_PASSWORD_FILE: join(dir, 'pw') }, opts);
    expect(loaded.config.APP_PASSWORD).toBe('s3cret-value');
    expect(loaded.secretValues).toEqual(['s3cret-value']);
  });

  it('names an unreadable NAME_FILE', () => {
    const message = issuesOf({ APP_PASSWORD_FILE: '/nonexistent/pw' });
    expect(message).toMatch(/APP_PASSWORD_FILE: cannot read \/nonexistent\/pw/);
  });

  it('names a NAME_FILE that exists but cannot be read', () => {
    if (process.getuid?.() === 0) {
      // root reads any mode; a directory is unreadable as a file for everyone.
      const dir = makeTempDirSync('cfg-');
      expect(issuesOf({ APP_PASSWORD_FILE: dir })).toMatch(/APP_PASSWORD_FILE: cannot read/);
      return;
    }
    const dir = makeTempDirSync('cfg-');
    const file = join(dir, 'pw');
    writeFileSync(file, 'x');
    chmodSync(file, 0);
    expect(issuesOf({ APP_PASSWORD_FILE: file })).toMatch(/APP_PASSWORD_FILE: cannot read/);
  });

  it('refuses both NAME and NAME_FILE', () => {
    const dir = makeTempDirSync('cfg-');
    writeFileSync(join(dir, 'pw'), 'a');
    expect(issuesOf({ APP_PASSWORD: 'b', APP_PASSWORD_FILE: join(dir, 'pw') })).toMatch(/both APP_PASSWORD and APP_PASSWORD_FILE/);
  });

  it('never quotes a secret value in an error', () => {
    const strict = z.object({ APP_PASSWORD: z.string().regex(/^[a-z]+$/, 'must be lowercase') });
    try {
      loadEnvConfig(strict, { APP_PASSWORD: 'TOPSECRET' }, opts);
      throw new Error('expected failure');
    } catch (error) {
      expect((error as Error).message).not.toContain('TOPSECRET');
    }
  });
});

describe('parseYamlConfig', () => {
  const yamlSchema = z.strictObject({ pool: z.string(), limit: z.number().min(1).max(100).default(80) });

  it('parses and defaults', () => {
    expect(parseYamlConfig(yamlSchema, 'pool: tank\n')).toEqual({ pool: 'tank', limit: 80 });
  });

  it('names an unknown key by its path', () => {
    expect(() => parseYamlConfig(yamlSchema, 'pool: tank\nlimt: 3\n')).toThrow(/limt: unknown key/);
  });

  it('names an out-of-range value by its path', () => {
    expect(() => parseYamlConfig(yamlSchema, 'pool: tank\nlimit: 300\n')).toThrow(/limit: /);
  });

  it('reports broken YAML as a config error', () => {
    expect(() => parseYamlConfig(yamlSchema, 'pool: [unclosed\n', 'lab.yaml')).toThrow(ConfigError);
  });
});

describe('exit codes through runCli', () => {
  const cli: CliSpec = {
    name: 'demo',
    summary: 'demo app',
    defaultCommand: 'run',
    commands: {
      run: {
        summary: 'run',
        run: ({ env }) => {
          loadEnvConfig(schema, env, opts);
          return 0;
        },
      },
    },
  };

  async function exitOf(env: Record<string, string>, argv: string[] = []) {
    const err: string[] = [];
    const code = await runCli(cli, argv, env, { stdout: () => {}, stderr: (t) => err.push(t) });
    return { code, err: err.join('') };
  }

  it.each([
    ['wrong type', { APP_PASSWORD: 'pw', APP_PORT: 'abc' }, 'APP_PORT'],
    ['out of range', { APP_PASSWORD: 'pw', APP_PORT: '0' }, 'APP_PORT'],
    ['unknown key', { APP_PASSWORD: 'pw', APP_NOPE: 'x' }, 'APP_NOPE'],
    ['unreadable _FILE', { APP_PASSWORD_FILE: '/nonexistent' }, 'APP_PASSWORD_FILE'],
  ])('%s: exit 2 and one line naming the key', async (_name, env, key) => {
    const { code, err } = await exitOf(env);
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain(key);
  });

  it('unknown command and flag: exit 2', async () => {
    expect((await exitOf({ APP_PASSWORD: 'pw' }, ['nope'])).code).toBe(2);
    expect((await exitOf({ APP_PASSWORD: 'pw' }, ['run', '--nope'])).code).toBe(2);
  });

  it('valid config: exit 0', async () => {
    expect((await exitOf({ APP_PASSWORD: 'pw' })).code).toBe(0);
  });
});

describe('zod in a sidecar', () => {
  it('parses without compiling code from strings (no fast path per object schema, no eval probe)', () => {
    const compiled: string[] = [];
    const original = globalThis.Function;
    globalThis.Function = new Proxy(original, {
      construct(target, args) {
        compiled.push(String(args.at(-1)).slice(0, 80));
        return Reflect.construct(target, args);
      },
    });
    try {
      // A schema made and parsed for the first time here, as a sidecar parses its files.
      const fresh = z.object({ name: z.string(), port: configValues.port(), nested: z.object({ on: z.boolean() }) });
      expect(validateConfig(fresh, { name: 'a', port: 80, nested: { on: true } })).toEqual({
        ok: true,
        config: { name: 'a', port: 80, nested: { on: true } },
      });
      expect(validateConfig(fresh, { name: 'a', port: 0, nested: {} }).ok).toBe(false);
    } finally {
      globalThis.Function = original;
    }
    expect(compiled).toEqual([]);
  });
});
