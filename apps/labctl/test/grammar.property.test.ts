import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir, removeTempDirs } from '@homelab/testkit';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { parseLab } from '../src/load.js';
import { renderAll } from '../src/render/index.js';
import { checkLab } from '../src/rules.js';
import { labRaw } from './lab-file.js';
import { labctl } from './lab-netns.js';

// Every string that reaches a rendered file (Caddyfile, nft, lighttpd, compose) is generated from a
// hostile alphabet: whatever `check` accepts must render with the same structure as a known-safe
// value, and the real tools must accept the files.
afterAll(removeTempDirs);
const exec = promisify(execFile);

// biome-ignore lint/suspicious/noExplicitAny: tests edit the free-form YAML tree
type Raw = Record<string, any>;
type Kind = 'host' | 'ifname' | 'path' | 'text' | 'tag';
interface Field {
  key: string;
  kind: Kind;
  baseline: string;
  set: (raw: Raw, value: string) => void;
}

const base = labRaw() as Raw;
const firstWith = (prop: string) => {
  const found = Object.entries(base.containers as Raw).find(([, c]) => (c as Raw)[prop] !== undefined && (c as Raw)[prop].length !== 0);
  if (!found) throw new Error(`lab.yaml has no container with ${prop}`);
  return found[0];
};
const siteC = firstWith('site');
const lightC = firstWith('lighttpd');
const volC = firstWith('volumes');
const tmpfsC = firstWith('tmpfs');
const bindC = Object.entries(base.containers as Raw).find(([, c]) =>
  (c.binds ?? []).some((b: Raw) => b.source.startsWith('/')),
)?.[0] as string;
const bindI = (base.containers[bindC].binds as Raw[]).findIndex((b) => b.source.startsWith('/'));
const module0 = Object.keys(base.modules)[0] as string;

const fields: Field[] = [
  {
    key: `containers.${siteC}.site.host`,
    kind: 'host',
    baseline: 'basezq.example.org',
    set: (r, v) => (r.containers[siteC].site.host = v),
  },
  { key: 'host.wan_interface', kind: 'ifname', baseline: 'wzq0', set: (r, v) => (r.host.wan_interface = v) },
  { key: 'vpn.interface', kind: 'ifname', baseline: 'vzq0', set: (r, v) => (r.vpn.interface = v) },
  { key: 'links.0.a.ifname', kind: 'ifname', baseline: 'lzq0', set: (r, v) => (r.links[0].a.ifname = v) },
  { key: 'proxy.access_log', kind: 'path', baseline: '/var/log/zq/access.log', set: (r, v) => (r.proxy.access_log = v) },
  { key: `containers.${lightC}.lighttpd.tag`, kind: 'tag', baseline: 'tagzq', set: (r, v) => (r.containers[lightC].lighttpd.tag = v) },
  { key: `containers.${lightC}.lighttpd.root`, kind: 'path', baseline: '/srv/zq', set: (r, v) => (r.containers[lightC].lighttpd.root = v) },
  { key: `modules.${module0}.summary`, kind: 'text', baseline: 'the zq module', set: (r, v) => (r.modules[module0].summary = v) },
  {
    key: `containers.${volC}.volumes.0.target`,
    kind: 'path',
    baseline: '/data/zq',
    set: (r, v) => (r.containers[volC].volumes[0].target = v),
  },
  {
    key: `containers.${bindC}.binds.${bindI}.source`,
    kind: 'path',
    baseline: '/srv/zq',
    set: (r, v) => (r.containers[bindC].binds[bindI].source = v),
  },
  { key: `containers.${tmpfsC}.tmpfs.0`, kind: 'path', baseline: '/zq', set: (r, v) => (r.containers[tmpfsC].tmpfs[0] = v) },
  { key: 'version', kind: 'tag', baseline: '1.zq', set: (r, v) => (r.version = v) },
];

const HOSTILE = [...'aZ09-._/*:;#"\'{}()[]<>$\\`@,=+ \t\n\r\u0000\u00e9\u202e'];
const BENIGN: Record<Kind, string[]> = {
  host: [...'abcxyz019-.'],
  ifname: [...'abx09-_.'],
  path: [...'abz09-._/'],
  text: [...'ab z09-.,()'],
  tag: [...'abz09-._'],
};
const chars = (alphabet: string[], maxLength: number) => fc.string({ unit: fc.constantFrom(...alphabet), maxLength });
/** Always contains the marker `zq`, so the value can be found in the rendered files. */
const valueFor = (kind: Kind) => {
  const lead = kind === 'path' ? fc.constant('/') : fc.constant('');
  const short = kind === 'ifname' ? 5 : 12;
  return fc
    .tuple(lead, fc.oneof(chars(BENIGN[kind], short), chars(HOSTILE, short)), fc.oneof(chars(BENIGN[kind], short), chars(HOSTILE, short)))
    .map(([l, a, b]) => `${l}${a}zq${b}`);
};

function checked(field: Field, value: string) {
  const raw = structuredClone(base);
  field.set(raw, value);
  const parsed = parseLab(JSON.stringify(raw));
  return parsed.ok && checkLab(parsed.lab).length === 0 ? parsed.lab : undefined;
}

function accepted(field: Field, value: string): Map<string, string> | undefined {
  const lab = checked(field, value);
  return lab ? renderAll(lab) : undefined;
}

/** The file with the value replaced by a placeholder (and nft's content hash ignored). */
const shape = (text: string, value: string) =>
  text
    .split(value)
    .join('\u0001')
    .replace(/labctl [0-9a-f]{16}/g, 'labctl <hash>');

/**
 * Tools sort sets, keys and routes by name: the placeholder takes the value's place, then every list is
 * compared as a multiset (an injected value would add or change entries, not just move them).
 */
function canonical(node: unknown, value: string): unknown {
  // caddy numbers its loggers in host-name order (log0, log1, ...): the numbers are not structure.
  if (typeof node === 'string')
    return node
      .split(value)
      .join('\u0001')
      .replace(/labctl [0-9a-f]{16}/g, 'labctl <hash>')
      .replace(/^log\d+$/, 'log');
  if (Array.isArray(node)) {
    return node
      .map((n) => JSON.stringify(canonical(n, value)))
      .sort()
      .map((n) => JSON.parse(n) as unknown);
  }
  if (node && typeof node === 'object')
    return Object.fromEntries(
      Object.entries(node)
        .map(([k, v]) => [canonical(k, value) as string, canonical(v, value)] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  return node;
}

/** What the real tool parsed from a rendered file, with the value replaced by a placeholder. */
async function parsedShape(dir: string, path: string, value: string, env: NodeJS.ProcessEnv): Promise<string> {
  const file = join(dir, path);
  if (path.startsWith('lighttpd/')) {
    const printed = (await exec('lighttpd', ['-p', '-f', file])).stdout;
    return shape(printed.replace(/var\.PID\s*=\s*\d+/, ''), value);
  }
  let parsed: unknown;
  if (path.startsWith('nftables/')) {
    // nft -c first (the check the issue asks for), then load it in a throwaway namespace and list what nft built.
    await exec('unshare', ['-n', 'nft', '-c', '-f', file]);
    parsed = JSON.parse((await exec('unshare', ['-n', 'sh', '-c', 'nft -f "$1" && nft -j list ruleset', 'sh', file])).stdout);
  } else if (path === 'caddy/Caddyfile') {
    const r = await exec('caddy', ['validate', '--config', file, '--adapter', 'caddyfile'], { env });
    expect(`${r.stdout}${r.stderr}`).toContain('Valid configuration');
    parsed = JSON.parse((await exec('caddy', ['adapt', '--config', file, '--adapter', 'caddyfile'], { env })).stdout);
  } else {
    parsed = parseYaml(await readFile(file, 'utf8'));
  }
  return JSON.stringify(canonical(parsed, value));
}

async function writeFiles(files: Map<string, string>): Promise<string> {
  const out = await makeTempDir('labctl-grammar-');
  for (const [path, text] of files) {
    await mkdir(dirname(join(out, path)), { recursive: true });
    await writeFile(join(out, path), text);
  }
  return out;
}

const hostility = (v: string) => [...v].filter((c) => !/[a-z0-9]/.test(c)).length;

describe('lab.yaml string grammar (property)', () => {
  it.each(fields)('$key: whatever check accepts renders with the structure of a safe value', (field) => {
    const reference = accepted(field, field.baseline);
    expect(reference, `baseline ${field.baseline} must be accepted`).toBeDefined();
    fc.assert(
      fc.property(valueFor(field.kind), (value) => {
        const files = accepted(field, value);
        if (!files) return;
        for (const [path, text] of files) {
          expect(shape(text, value), `${path} with ${JSON.stringify(value)}`).toBe(shape(reference?.get(path) ?? '', field.baseline));
        }
      }),
      { numRuns: 40 },
    );
  });

  it.each(fields)(
    '$key: accepted values pass nft -c (unshare -n), caddy validate, lighttpd -p and parse to the same structure',
    async (field) => {
      const home = await makeTempDir('labctl-grammar-home-');
      const env = { ...process.env, HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home };
      const reference = accepted(field, field.baseline) as Map<string, string>;
      const referenceDir = await writeFiles(reference);
      // The most hostile accepted values of a sample (a value check accepts is fair game).
      const values = [...new Set(fc.sample(valueFor(field.kind), 150))]
        .filter((v) => accepted(field, v) !== undefined)
        .sort((x, y) => hostility(y) - hostility(x))
        .slice(0, 2);
      expect(values.length).toBeGreaterThan(0);
      for (const value of values) {
        const files = accepted(field, value) as Map<string, string>;
        const dir = await writeFiles(files);
        const touched = [...files.keys()].filter((p) => files.get(p) !== reference.get(p));
        for (const path of touched) {
          const got = await parsedShape(dir, path, value, env).catch(
            (e: { stderr?: string; message: string }) => `${path} refused: ${e.stderr ?? e.message}`,
          );
          expect(got, `${path} with ${JSON.stringify(value)}`).toBe(await parsedShape(referenceDir, path, field.baseline, env));
        }
      }
    },
  );
});

describe('lab.yaml string grammar (examples)', () => {
  const hostile = ['a"zq', 'a zq', 'a;zq', 'a\nzq', 'a{zq}', "a'zq", 'a#zq'];
  it.each(fields.filter((f) => f.kind !== 'text'))('$key refuses quotes, braces, newlines, spaces, ; and # naming the key', (field) => {
    for (const value of hostile) {
      const raw = structuredClone(base);
      field.set(raw, field.kind === 'path' ? `/${value}` : value);
      const parsed = parseLab(JSON.stringify(raw));
      const issues = parsed.ok ? checkLab(parsed.lab) : parsed.issues;
      expect(
        issues.map((i) => i.entry),
        JSON.stringify(value),
      ).toContain(field.key);
    }
  });

  it('one-line texts refuse newlines and control characters', () => {
    const raw = structuredClone(base);
    raw.modules[module0].summary = 'ok\nservices: {}';
    const parsed = parseLab(JSON.stringify(raw));
    expect(parsed.ok ? [] : parsed.issues.map((i) => i.entry)).toEqual([`modules.${module0}.summary`]);
  });

  it('accepts a wildcard site host', () => {
    const raw = structuredClone(base);
    raw.containers[siteC].site.host = '*.zq.example.org';
    const parsed = parseLab(JSON.stringify(raw));
    expect(parsed.ok && checkLab(parsed.lab)).toEqual([]);
  });

  it('labctl check exits 2 with a line naming the key', async () => {
    const dir = await makeTempDir('labctl-grammar-cli-');
    const raw = structuredClone(base);
    raw.containers[siteC].site.host = 'x.example.org { }';
    await writeFile(join(dir, 'lab.yaml'), stringify(raw));
    const r = await labctl(['check', join(dir, 'lab.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`containers.${siteC}.site.host`);
  });
});
