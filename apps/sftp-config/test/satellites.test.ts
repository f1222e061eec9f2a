import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs, startProcess, stopAllProcesses, waitFor } from '@homelab/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotTree } from './tree.js';
import { client, ownedDir, type SatelliteFixture, startZfsSsh, waitForLog } from './zfs-ssh-fixture.js';

const SAT = 50001;
const VIEWER = 50002;
const EDITOR = 50003;
const READER = 50004;
const BROKEN = 50005;

const usersYaml = (datastore: string, key: string, extra = '') => `
datastore: ${datastore}
backup_pool: [${join(datastore, '..', 'backup')}]
users:
  - { name: sat, uid: ${SAT}, keys: ["${key}"], mode: rsync, access: rw, root: sat }
  - { name: viewer, uid: ${VIEWER}, keys: ["${key}"], mode: rsync, access: ro, root: photos }
  - { name: editor, uid: ${EDITOR}, keys: ["${key}"], mode: sftp, access: rw, root: shared, writable: [docs] }
  - { name: reader, uid: ${READER}, keys: ["${key}"], mode: sftp, access: ro, root: shared }
  - { name: broken, uid: ${BROKEN}, keys: ["${key}"], mode: sftp, access: ro, root: broken }
${extra}`;

let f: SatelliteFixture;
let local: string;

beforeAll(async () => {
  f = await startZfsSsh({
    prepare(ds) {
      ownedDir(join(ds, 'sat'), SAT);
      mkdirSync(join(ds, 'photos'), { mode: 0o755 });
      writeFileSync(join(ds, 'photos', 'cat.jpg'), 'not really a cat');
      mkdirSync(join(ds, 'shared'), { mode: 0o755 });
      ownedDir(join(ds, 'shared', 'docs'), EDITOR);
      writeFileSync(join(ds, 'shared', 'docs', 'notes.txt'), 'line one\n');
      chownSync(join(ds, 'shared', 'docs', 'notes.txt'), EDITOR, EDITOR);
      mkdirSync(join(ds, 'broken'), { mode: 0o755 });
      writeFileSync(join(ds, 'broken', 'readme'), 'hello\n');
    },
    users: (ds, key) => usersYaml(ds, key),
    env: { SFTP_RELINT_INTERVAL: '1s' },
  });
  local = await makeTempDir('sftp-config-local-');
});

afterAll(async () => {
  await f?.stop();
  await stopAllProcesses();
  await removeTempDirs();
});

const rsync = (...args: string[]) => client('rsync', ['-e', f.rsyncRsh(), ...args]);
const sftpArgs = (user: string) => [
  '-F',
  '/dev/null',
  '-i',
  f.clientKey,
  '-P',
  String(f.port),
  ...['BatchMode=yes', 'StrictHostKeyChecking=no', 'UserKnownHostsFile=/dev/null', 'LogLevel=ERROR', 'IdentitiesOnly=yes'].flatMap((o) => [
    '-o',
    o,
  ]),
  `${user}@127.0.0.1`,
];
const sftp = (user: string, batch: string) => client('sftp', ['-b', '-', ...sftpArgs(user)], batch);

function makeSatelliteTree(root: string): void {
  mkdirSync(join(root, 'docs', 'deep'), { recursive: true });
  writeFileSync(join(root, 'docs', 'a.txt'), 'alpha\n');
  writeFileSync(join(root, 'docs', 'deep', 'b.bin'), Buffer.alloc(300_000, 7));
  writeFileSync(join(root, 'gone-soon.txt'), 'will be deleted\n');
  symlinkSync('docs/a.txt', join(root, 'link-to-a'));
  chmodSync(join(root, 'docs', 'a.txt'), 0o640);
}

describe('rsync satellites', () => {
  it('push with rsync -a --delete, then pull to a second folder: the trees are equal', async () => {
    const tree = join(local, 'satellite');
    makeSatelliteTree(tree);
    const push1 = await rsync('-a', '--delete', `${tree}/`, 'sat@127.0.0.1:laptop/');
    expect(push1, push1.stderr).toMatchObject({ code: 0 });
    // A local delete and edit, pushed again: --delete removes it on the server too.
    rmSync(join(tree, 'gone-soon.txt'));
    writeFileSync(join(tree, 'docs', 'new.txt'), 'new\n');
    const push2 = await rsync('-a', '--delete', `${tree}/`, 'sat@127.0.0.1:laptop/');
    expect(push2, push2.stderr).toMatchObject({ code: 0 });
    expect(existsSync(join(f.datastore, 'sat', 'laptop', 'gone-soon.txt'))).toBe(false);
    expect(statSync(join(f.datastore, 'sat', 'laptop', 'docs', 'new.txt')).uid).toBe(SAT);

    const back = join(local, 'pulled');
    const pull = await rsync('-a', '--delete', 'sat@127.0.0.1:laptop/', `${back}/`);
    expect(pull, pull.stderr).toMatchObject({ code: 0 });
    expect(snapshotTree(back)).toEqual(snapshotTree(tree));
    expect(Object.keys(snapshotTree(back))).toContain('docs/deep/b.bin');
  });

  it("refuses a read-only user's push and nothing is written; its pull works", async () => {
    const src = join(local, 'ro-src');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'x.txt'), 'x');
    const push = await rsync('-a', `${src}/`, 'viewer@127.0.0.1:incoming/');
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/refused: read-only account/);
    expect(existsSync(join(f.datastore, 'photos', 'incoming'))).toBe(false);
    const pull = await rsync('-a', 'viewer@127.0.0.1:./', `${join(local, 'ro-pull')}/`);
    expect(pull, pull.stderr).toMatchObject({ code: 0 });
    expect(readFileSync(join(local, 'ro-pull', 'cat.jpg'), 'utf8')).toBe('not really a cat');
  });

  it('gives an rsync user no shell, no command and no forwarding', async () => {
    const shell = await client('ssh', [...f.sshArgs('sat'), '127.0.0.1', 'sh']);
    expect(shell.code).not.toBe(0);
    expect(shell.stderr).toMatch(/only runs rsync/);
    const sneaky = await client('ssh', [...f.sshArgs('sat'), '127.0.0.1', 'rsync --server --daemon .']);
    expect(sneaky.code).not.toBe(0);
    expect(sneaky.stderr).toMatch(/refused/);
    const login = await client('ssh', [...f.sshArgs('sat'), '127.0.0.1']);
    expect(login.code).not.toBe(0);
    // -W asks sshd for a direct-tcpip channel (stdio forwarding) to sshd's own port.
    const forward = await client('ssh', [...f.sshArgs('sat'), '-W', `127.0.0.1:${f.port}`, '127.0.0.1'], '');
    expect(forward.code).not.toBe(0);
    expect(forward.stdout).not.toMatch(/SSH-2\.0/);
  });

  it('refuses writes outside the area: ../x, an absolute path, a symlink out', async () => {
    const src = join(local, 'escape');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'pwn.txt'), 'pwn');
    const up = await rsync('-a', `${src}/`, 'sat@127.0.0.1:../x/');
    expect(up.code).not.toBe(0);
    expect(up.stderr).toMatch(/refused: path "\.\.\/x\/" leaves your area/);
    expect(existsSync(join(f.datastore, 'x'))).toBe(false);
    const abs = await rsync('-a', `${src}/`, `sat@127.0.0.1:${join(f.datastore, 'photos')}/`);
    expect(abs.code).not.toBe(0);
    expect(abs.stderr).toMatch(/is absolute/);
    // A symlink pointing out of the area is stored as data, but never followed as a destination.
    const linkSrc = join(local, 'with-link');
    mkdirSync(linkSrc, { recursive: true });
    symlinkSync(join(f.datastore, 'photos'), join(linkSrc, 'out'));
    expect((await rsync('-a', `${linkSrc}/`, 'sat@127.0.0.1:links/')).code).toBe(0);
    const through = await rsync('-a', `${src}/`, 'sat@127.0.0.1:links/out/');
    expect(through.code).not.toBe(0);
    expect(through.stderr).toMatch(/resolves outside your area/);
    expect(existsSync(join(f.datastore, 'photos', 'pwn.txt'))).toBe(false);
  });
});

describe('sftp satellites (chroot)', () => {
  it('a read-write user edits a file; a read-only user cannot write; nobody leaves the chroot', async () => {
    const edited = join(local, 'notes-edited.txt');
    const got = await sftp('editor', `get docs/notes.txt ${join(local, 'notes.txt')}\n`);
    expect(got, got.stderr).toMatchObject({ code: 0 });
    writeFileSync(edited, `${readFileSync(join(local, 'notes.txt'), 'utf8')}line two\n`);
    const put = await sftp('editor', `put ${edited} docs/notes.txt\n`);
    expect(put, put.stderr).toMatchObject({ code: 0 });
    expect(readFileSync(join(f.datastore, 'shared', 'docs', 'notes.txt'), 'utf8')).toBe('line one\nline two\n');

    const roPut = await sftp('reader', `put ${edited} docs/other.txt\n`);
    expect(roPut.code).not.toBe(0);
    expect(existsSync(join(f.datastore, 'shared', 'docs', 'other.txt'))).toBe(false);
    const roGet = await sftp('reader', `get docs/notes.txt ${join(local, 'ro-notes.txt')}\n`);
    expect(roGet, roGet.stderr).toMatchObject({ code: 0 });

    // `/`, `..` and an absolute host path all stay inside the chroot (the datastore's shared/).
    for (const user of ['editor', 'reader']) {
      const leave = await sftp(user, `cd ../../../..\npwd\nls -1 /\n`);
      expect(leave, leave.stderr).toMatchObject({ code: 0 });
      expect(leave.stdout).toMatch(/Remote working directory: \/\n/);
      expect(leave.stdout).toMatch(/^\/?docs$/m);
      expect(leave.stdout).not.toMatch(/^\/?(etc|sat|photos|broken)$/m);
      const host = await sftp(user, `get ${join(f.datastore, 'photos', 'cat.jpg')} ${join(local, `stolen-${user}`)}\n`);
      expect(host.code).not.toBe(0);
      expect(existsSync(join(local, `stolen-${user}`))).toBe(false);
    }
  });
});

describe('chroot lint and reload', () => {
  it('a group-writable chroot disables that user with one clear line; the others keep working', async () => {
    const before = await sftp('broken', 'ls -1\n');
    expect(before, before.stderr).toMatchObject({ code: 0 });
    expect(before.stdout).toMatch(/^readme$/m);

    chmodSync(join(f.datastore, 'broken'), 0o775);
    const line = await waitForLog(
      f,
      /user broken disabled: chroot component \S+\/broken is group-writable \(mode 0775; OpenSSH refuses the chroot\)/,
    );
    expect(JSON.parse(line)).toMatchObject({ level: 'warn', user: 'broken' });
    await waitFor(async () => (await sftp('broken', 'ls\n')).code !== 0, { timeoutMs: 10_000, what: 'broken to be refused' });
    const refused = await sftp('broken', 'ls\n');
    expect(refused.stderr).toMatch(/Permission denied \(publickey\)/);

    const editor = await sftp('editor', 'ls -1 docs\n');
    expect(editor, editor.stderr).toMatchObject({ code: 0 });
    const sat = await rsync('-a', 'sat@127.0.0.1:laptop/docs/a.txt', join(local, 'a-again.txt'));
    expect(sat, sat.stderr).toMatchObject({ code: 0 });
    expect(await f.app.metrics()).toMatch(/^sftp_users_disabled\{[^}]*\} 1$/m);
    expect((await f.app.readyz()).status).toBe(200);

    // Repaired: the next lint enables the user again.
    chmodSync(join(f.datastore, 'broken'), 0o755);
    await waitFor(async () => (await sftp('broken', 'ls\n')).code === 0, { timeoutMs: 10_000, what: 'broken to be enabled again' });
    expect(await f.app.metrics()).toMatch(/^sftp_users_disabled\{[^}]*\} 0$/m);
  });

  it('re-renders on a YAML change and reloads sshd without dropping an open session', async () => {
    const session = startProcess('sftp', ['-b', '-', ...sftpArgs('editor')], { label: 'sftp session', stdin: 'pipe' });
    session.child.stdin?.write('pwd\n');
    await session.waitForLine(/Remote working directory/, 10_000);

    // A new user: the render adds it, sshd gets SIGHUP (it re-executes itself with the new config).
    const hups = f.app.proc.stdout.filter((l) => /Received SIGHUP/.test(l)).length;
    f.writeUsers(
      `${f.yaml}  - { name: newbie, uid: 50006, keys: ["${readFileSync(`${f.clientKey}.pub`, 'utf8').trim()}"], mode: sftp, access: ro, root: shared }\n`,
    );
    await waitFor(() => f.app.proc.stdout.filter((l) => /Received SIGHUP/.test(l)).length > hups, {
      timeoutMs: 10_000,
      what: 'sshd to get SIGHUP',
    });
    await waitFor(async () => (await sftp('newbie', 'ls -1\n')).code === 0, { timeoutMs: 10_000, what: 'newbie to log in' });

    // The session opened before the reload still works.
    writeFileSync(join(local, 'during-reload.txt'), 'still here\n');
    session.child.stdin?.end(`put ${join(local, 'during-reload.txt')} docs/during-reload.txt\n`);
    expect(await session.waitExit(15_000)).toMatchObject({ code: 0 });
    expect(readFileSync(join(f.datastore, 'shared', 'docs', 'during-reload.txt'), 'utf8')).toBe('still here\n');

    // A YAML that stops validating keeps the last good render; the error names the key.
    const good = f.yaml;
    f.writeUsers(good.replace('name: newbie', 'name: "bad name"'));
    await waitForLog(f, /users YAML refused/);
    expect(f.app.proc.stdout.join('\n')).toMatch(/users\.5\.name/);
    expect((await sftp('newbie', 'ls\n')).code).toBe(0);
    f.writeUsers(good);
  });

  it('counts logins, open sessions and refusals in /metrics', async () => {
    expect((await sftp('editor', 'ls\n')).code).toBe(0);
    expect((await rsync('-a', 'viewer@127.0.0.1:cat.jpg', join(local, 'cat-metrics.jpg'))).code).toBe(0);
    await client('ssh', [...f.sshArgs('nosuchuser'), '127.0.0.1', 'true']);
    await waitFor(async () => /sftp_logins_refused_total\{reason="(not-allowed|invalid-user)"[^}]*\} [1-9]/.test(await f.app.metrics()), {
      timeoutMs: 5_000,
      what: 'a refused login in /metrics',
    });
    const metrics = await f.app.metrics();
    expect(metrics).toMatch(/sftp_logins_total\{user="editor"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/sftp_logins_total\{user="viewer"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/sftp_sessions\{user="editor"[^}]*\} 0/);
  });
});

/** The value of sftp_bytes_total for a user and direction (0 when the series does not exist). */
function bytesOf(metrics: string, user: string, direction: 'read' | 'written'): number {
  const m = metrics.match(new RegExp(`^sftp_bytes_total\\{(?=[^}]*user="${user}")(?=[^}]*direction="${direction}")[^}]*\\} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : 0;
}

describe('bytes per user (internal-sftp log through <chroot>/dev/log)', () => {
  it('counts an sftp upload and download for that user only, in a chroot shared with another user', async () => {
    // The listener's socket, in a dev folder that keeps OpenSSH's chroot rules.
    const dev = join(f.datastore, 'shared', 'dev');
    await waitFor(() => existsSync(join(dev, 'log')), { timeoutMs: 10_000, what: 'the syslog socket in the chroot' });
    expect(statSync(join(dev, 'log')).isSocket()).toBe(true);
    expect(statSync(dev)).toMatchObject({ uid: 0 });
    expect(statSync(dev).mode & 0o022).toBe(0);

    const before = await f.app.metrics();
    const size = 345_678;
    const upload = join(local, 'bytes-up.bin');
    writeFileSync(upload, Buffer.alloc(size, 3));
    const put = await sftp('editor', `put ${upload} docs/bytes.bin\n`);
    expect(put, put.stderr).toMatchObject({ code: 0 });
    const get = await sftp('editor', `get docs/bytes.bin ${join(local, 'bytes-down.bin')}\n`);
    expect(get, get.stderr).toMatchObject({ code: 0 });
    expect(readFileSync(join(local, 'bytes-down.bin')).equals(readFileSync(upload))).toBe(true);

    await waitFor(
      async () => {
        const m = await f.app.metrics();
        return (
          bytesOf(m, 'editor', 'written') - bytesOf(before, 'editor', 'written') >= size &&
          bytesOf(m, 'editor', 'read') - bytesOf(before, 'editor', 'read') >= size
        );
      },
      { timeoutMs: 10_000, what: `editor's bytes in /metrics\n${f.app.proc.output.slice(-3000)}` },
    );
    const after = await f.app.metrics();
    // reader shares the chroot (it read notes.txt earlier): the editor's transfers are not its.
    for (const user of ['reader', 'broken', 'newbie', 'sat', 'viewer']) {
      for (const direction of ['read', 'written'] as const)
        expect(bytesOf(after, user, direction), `${user} ${direction}`).toBe(bytesOf(before, user, direction));
    }
    expect(bytesOf(after, 'reader', 'read')).toBeGreaterThan(0);
    expect(after).not.toMatch(/^sftp_bytes_total\{[^}]*user="(reader|sat|viewer|other)"[^}]*direction="written"/m);
    expect(after).not.toMatch(/^sftp_bytes_total\{[^}]*user="(sat|viewer|other)"/m);
    // The dev folder did not upset the chroot lint.
    expect(after).toMatch(/^sftp_users_disabled\{[^}]*\} 0$/m);
  });
});
