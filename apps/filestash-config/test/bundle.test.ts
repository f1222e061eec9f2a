import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appBundle, httpRequest, makeTempDir, removeTempDirs, startProcess, stopAllProcesses, waitFor } from '@homelab/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The built bundle as the image runs it, on real mounts: each run is in its own mount namespace
 * (unshare -m) where the datastore is bind-mounted read-only, as compose binds /zfs/storage into
 * zfs-web. filestash itself is not here (no download): `run` is started without it and says so.
 */

const bundle = appBundle('filestash-config');
const HASH = '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234';
const KEY = 'k3yK3yk3yK3yk3y0';

let dir: string;
let store: string;
let backup: string;
let secrets: { hash: string; key: string };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the bundle in a private mount namespace; `ro` folders are bound read-only there first. */
function runBundle(args: string[], env: Record<string, string>, opts: { ro?: string[]; rw?: string[] } = {}): Promise<Run> {
  const script = [
    ...(opts.ro ?? []).map((p) => `mount --bind ${p} ${p} && mount -o remount,bind,ro ${p} ${p}`),
    // A bind inside the read-only one starts read-only too: made writable explicitly, as its own
    // read-write bind in compose would be.
    ...(opts.rw ?? []).map((p) => `mount --bind ${p} ${p} && mount -o remount,bind,rw ${p} ${p}`),
    `exec ${process.execPath} ${bundle} "$@"`,
  ].join(' && ');
  return new Promise((resolve) => {
    execFile(
      'unshare',
      ['-m', '--propagation', 'private', 'sh', '-c', script, 'filestash-config', ...args],
      { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

const baseEnv = (out: string, yaml: string): Record<string, string> => {
  const config = join(dir, `${out}.yaml`);
  writeFileSync(config, yaml);
  return {
    FILESTASH_CONFIG: config,
    FILESTASH_CONFIG_OUT: join(dir, out, 'config.json'),
    FILESTASH_ADMIN_HASH_FILE: secrets.hash,
    FILESTASH_SECRET_KEY_FILE: secrets.key,
    FILESTASH_LISTEN_ADDRESS: '10.1.3.1',
    LOG_LEVEL: 'info',
  };
};

const yamlFor = (extra = '') => `name: isidore\ndatastore: ${store}\nbackup_pool: [${backup}]\n${extra}`;
const rendered = (out: string) => JSON.parse(readFileSync(join(dir, out, 'config.json'), 'utf8'));

beforeAll(async () => {
  dir = await makeTempDir('filestash-config-');
  store = join(dir, 'storage');
  backup = join(dir, 'backup');
  mkdirSync(join(store, 'docs'), { recursive: true });
  mkdirSync(join(store, 'inbox'), { recursive: true });
  mkdirSync(backup);
  writeFileSync(join(store, 'docs', 'a.txt'), 'hello\n');
  symlinkSync(backup, join(store, 'to-backup'));
  secrets = { hash: join(dir, 'admin.hash'), key: join(dir, 'secret.key') };
  writeFileSync(secrets.hash, `${HASH}\n`, { mode: 0o600 });
  writeFileSync(secrets.key, KEY, { mode: 0o600 });
});

afterAll(async () => {
  await stopAllProcesses();
  await removeTempDirs();
});

describe('filestash-config render (the bundle, real mounts)', () => {
  it('renders the datastore read-only by default, served on the private hub address, 0600', async () => {
    const r = await runBundle(['render'], baseEnv('default', yamlFor()), { ro: [store] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('shares: storage (ro)');
    const config = rendered('default');
    expect(config.connections).toEqual([{ type: 'local', label: 'storage', path: `${store}/` }]);
    expect(config.general.host).toBe('10.1.3.1:8334');
    expect(config.general.port).toBe(8334);
    expect(config.auth.admin).toBe(HASH);
    expect(config.general.secret_key).toBe(KEY);
    expect(config.features.share.enable).toBe(false);
    expect(statSync(join(dir, 'default', 'config.json')).mode & 0o777).toBe(0o600);
    // Secrets reach the file only, never the output.
    expect(r.stdout + r.stderr).not.toContain(HASH);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('read-only by default: a share on a writable mount is left out with one clear line (exit 1)', async () => {
    const r = await runBundle(['render'], baseEnv('writable', yamlFor()));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(`^share storage disabled: read-only, but ${store} is on the writable mount .* \\(bind it read-only\\)$`, 'm'),
    );
    expect(rendered('writable').connections).toEqual([]);
  });

  it('read-write only where declared, and only on a writable bind; the rest stays read-only', async () => {
    const yaml = yamlFor(
      'shares:\n  - { name: all }\n  - { name: inbox, path: inbox, access: rw }\n  - { name: docs, path: docs, access: rw }\n',
    );
    const r = await runBundle(['render'], baseEnv('mixed', yaml), { ro: [store], rw: [join(store, 'inbox')] });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`share docs disabled: read-write, but ${store}/docs is on the read-only mount ${store}`);
    expect(rendered('mixed').connections.map((c: { label: string; path: string }) => `${c.label}=${c.path}`)).toEqual([
      `all=${store}/`,
      `inbox=${store}/inbox/`,
    ]);
    expect(rendered('mixed').general.upload_button).toBe(true);
  });

  it('a share that resolves into the backup pool (a symlink) is never rendered', async () => {
    const r = await runBundle(['render'], baseEnv('symlink', yamlFor('shares: [{ name: sneaky, path: to-backup }]\n')), { ro: [store] });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`share sneaky disabled: it resolves to ${backup}, in the backup pool ${backup} (never exposed)`);
    expect(rendered('symlink').connections).toEqual([]);
  });

  type Hostile = { yaml?: (store: string, backup: string) => string; env?: Record<string, string>; secret?: [string, string] };
  const head = (st: string, bk: string) => `datastore: ${st}\nbackup_pool: [${bk}]\n`;
  it.each<[string, Hostile, string]>([
    [
      'the backup pool as the datastore',
      { yaml: (_st, bk) => `datastore: ${bk}/x\nbackup_pool: [${bk}]\n` },
      'datastore: overlaps the backup pool',
    ],
    [
      'a share inside the backup pool',
      { yaml: (st) => `datastore: ${st}\nbackup_pool: [${st}/docs]\nshares: [{ name: d, path: docs }]\n` },
      'shares.0.path: reaches the backup pool',
    ],
    [
      'a share path climbing out',
      { yaml: (st, bk) => `${head(st, bk)}shares: [{ name: up, path: "../backup" }]\n` },
      'shares.0.path: bad path component ".."',
    ],
    [
      'a quote in a share name',
      { yaml: (st, bk) => `${head(st, bk)}shares: [{ name: "a\\",\\"type\\":\\"sftp" }]\n` },
      'shares.0.name: expected a share name',
    ],
    ['a newline in the UI name', { yaml: (st, bk) => `${head(st, bk)}name: "a\\nb"\n` }, 'name: expected letters'],
    ['an unknown key', { yaml: (st, bk) => `${head(st, bk)}features: { share: true }\n` }, 'features: unknown key'],
    ['0.0.0.0 as the listen address', { env: { FILESTASH_LISTEN_ADDRESS: '0.0.0.0' } }, 'FILESTASH_LISTEN_ADDRESS: must not be 0.0.0.0'],
    [
      'a hostname as the listen address',
      { env: { FILESTASH_LISTEN_ADDRESS: 'evil.example' } },
      'FILESTASH_LISTEN_ADDRESS: expected an IPv4',
    ],
    ['a port out of range', { env: { FILESTASH_PORT: '70000' } }, 'FILESTASH_PORT:'],
    ['a typo in a variable', { env: { FILESTASH_LISTEN: '10.1.3.1' } }, 'FILESTASH_LISTEN:'],
    [
      'a plain password as the admin hash',
      { secret: ['FILESTASH_ADMIN_HASH_FILE', 'hunter2-plain'] },
      'FILESTASH_ADMIN_HASH: expected a bcrypt hash',
    ],
    [
      'a secret key with a quote',
      { secret: ['FILESTASH_SECRET_KEY_FILE', 'abcdefghij12345"'] },
      'FILESTASH_SECRET_KEY: expected 16 letters or digits',
    ],
  ])('refuses %s with exit 2 naming the key', async (_what, input, message) => {
    const name = `bad-${Math.random().toString(36).slice(2, 8)}`;
    const env = { ...baseEnv(name, (input.yaml ?? head)(store, backup)), ...input.env };
    if (input.secret) {
      const file = join(dir, `${name}.secret`);
      writeFileSync(file, input.secret[1], { mode: 0o600 });
      env[input.secret[0]] = file;
    }
    const r = await runBundle(['render'], env, { ro: [store] });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n'), 'one line').toHaveLength(1);
    if (input.secret) expect(r.stderr).not.toContain(input.secret[1]);
    expect(() => statSync(join(dir, name, 'config.json')), 'nothing rendered').toThrow();
  });
});

describe('filestash-config run (the bundle, its own mount and network namespaces, no filestash here)', () => {
  it('healthy and rendered, not ready without filestash; re-renders on change; private hub only; datastore checked', async () => {
    const socket = join(dir, 'health.sock');
    const base = baseEnv('service', yamlFor());
    const yamlFile = base.FILESTASH_CONFIG as string;
    const env: Record<string, string> = {
      ...base,
      HEALTH_LISTEN: socket,
      FILESTASH_BINARY: join(dir, 'not-installed', 'filestash'),
      FILESTASH_DEBOUNCE: '100ms',
      FILESTASH_RECHECK_INTERVAL: '1s',
    };
    const script = `ip link set lo up && mount --bind ${store} ${store} && mount -o remount,bind,ro ${store} ${store} && exec ${process.execPath} ${bundle} run`;
    const proc = startProcess('unshare', ['-m', '-n', '--propagation', 'private', 'sh', '-c', script], {
      env,
      label: 'filestash-config run',
      cleanEnv: true,
    });
    type Ready = { ready: boolean; checks: Record<string, { ok: boolean; detail: string }> };
    const readyz = async () => JSON.parse((await httpRequest(socket, '/readyz')).body) as Ready;
    await waitFor(async () => (await httpRequest(socket, '/healthz')).status === 200, { timeoutMs: 30_000, what: '/healthz' }).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${proc.output}`);
      },
    );
    const first = await waitFor(
      async () => {
        const r = await readyz();
        return r.checks.render?.ok ? r : undefined;
      },
      { what: 'the first render' },
    );
    expect(first.ready).toBe(false);
    expect(first.checks.filestash).toEqual({ ok: false, detail: `not installed at ${env.FILESTASH_BINARY}` });
    expect(first.checks.render?.ok).toBe(true);
    expect(first.checks.datastore?.ok).toBe(true);
    expect(first.checks.shares).toEqual({ ok: true, detail: 'all enabled' });
    expect(first.checks['private-hub-only']?.ok).toBe(true);
    expect(rendered('service').connections.map((c: { label: string }) => c.label)).toEqual(['storage']);

    // filestash rewrites its config.json itself once it runs: the periodic re-checks leave that alone.
    const renders = async () =>
      Number(/filestash_renders_total\{outcome="ok"[^}]*\} (\d+)/.exec((await httpRequest(socket, '/metrics')).body)?.[1]);
    const own = join(dir, 'service', 'config.json');
    const edited = `${JSON.stringify({ ...rendered('service'), edited_by: 'filestash' }, null, 2)}\n`;
    writeFileSync(own, edited);
    const before = await renders();
    await waitFor(async () => (await renders()) >= before + 2, { timeoutMs: 20_000, what: 'two more re-checks' });
    expect(readFileSync(own, 'utf8')).toBe(edited);

    // A second share in the YAML is rendered without a restart of the sidecar.
    writeFileSync(yamlFile, yamlFor('shares:\n  - { name: storage }\n  - { name: docs, path: docs }\n'));
    await waitFor(() => rendered('service').connections.length === 2, { timeoutMs: 20_000, what: 'the re-render' });
    // A hostile YAML is refused and the last good config stays.
    writeFileSync(yamlFile, yamlFor('shares: [{ name: "x\\"y" }]\n'));
    await waitFor(async () => !(await readyz()).checks.render?.ok, { timeoutMs: 20_000, what: 'the refusal' });
    expect((await readyz()).checks.render?.detail).toContain('shares.0.name');
    expect(rendered('service').connections.length).toBe(2);
    writeFileSync(yamlFile, yamlFor());
    await waitFor(async () => (await readyz()).checks.render?.ok, { timeoutMs: 20_000, what: 'the good YAML again' });

    // Another interface in the namespace (a public link by mistake) makes it not ready, naming it.
    const ip = (...args: string[]) =>
      new Promise<void>((resolve, reject) =>
        execFile('nsenter', ['-t', String(proc.pid), '-n', 'ip', ...args], (e, _o, stderr) => (e ? reject(new Error(stderr)) : resolve())),
      );
    // Both ends up (an interface without carrier reaches nothing and is not listed); the peer end
    // stands for the far side of the link, so it gets no address (no IPv6 link-local either).
    const up = async (end: string, peer: string) => {
      await new Promise<void>((resolve, reject) =>
        execFile('nsenter', ['-t', String(proc.pid), '-n', 'sysctl', '-qw', `net.ipv6.conf.${peer}.disable_ipv6=1`], (e, _o, stderr) =>
          e ? reject(new Error(stderr)) : resolve(),
        ),
      );
      await ip('link', 'set', peer, 'up');
      await ip('link', 'set', end, 'up');
    };
    await ip('link', 'add', 'p-zfs-web', 'type', 'veth', 'peer', 'name', 'p-peer');
    await ip('addr', 'add', '172.16.9.1/31', 'dev', 'p-zfs-web');
    await up('p-zfs-web', 'p-peer');
    const exposed = await waitFor(
      async () => {
        const r = await readyz();
        return r.checks['private-hub-only']?.ok ? undefined : r;
      },
      { what: 'the exposure check' },
    );
    expect(exposed.checks['private-hub-only']?.detail).toContain('p-zfs-web (172.16.9.1');
    // The private hub link itself (the listen address) is fine.
    await ip('link', 'del', 'p-zfs-web');
    await ip('link', 'add', 'v-zfs-web', 'type', 'veth', 'peer', 'name', 'v-peer');
    await ip('addr', 'add', '10.1.3.1/31', 'dev', 'v-zfs-web');
    await up('v-zfs-web', 'v-peer');
    await waitFor(async () => (await readyz()).checks['private-hub-only']?.ok, { what: 'the private hub link alone' });

    // The datastore going away: not ready, named; back: ready again (but for filestash).
    renameSync(store, `${store}.away`);
    try {
      await waitFor(async () => !(await readyz()).checks.datastore?.ok, { timeoutMs: 20_000, what: 'the datastore check' });
    } finally {
      renameSync(`${store}.away`, store);
    }
    await waitFor(async () => (await readyz()).checks.datastore?.ok, { timeoutMs: 20_000, what: 'the datastore back' });

    const status = JSON.parse((await httpRequest(socket, '/healthz')).body);
    expect(JSON.stringify(status)).not.toContain(HASH);
    const metrics = (await httpRequest(socket, '/metrics')).body;
    expect(metrics).toMatch(/filestash_shares\{state="ro"[^}]*\} 1/);
    expect(metrics).toMatch(/filestash_renders_total\{outcome="ok"[^}]*\} [1-9]/);

    const exit = await proc.stop();
    expect(exit.code).toBe(0);
    expect(proc.output).toContain('filestash is not installed');
    expect(proc.output).not.toContain(HASH);
    expect(proc.output).not.toContain(KEY);
  });
});
