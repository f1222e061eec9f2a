import { execFile } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { appBundle, freePort, httpRequest, type StartedApp, startProcess, waitFor } from '@homelab/testkit';

const run = promisify(execFile);

export interface SatelliteFixture {
  base: string;
  datastore: string;
  port: number;
  clientKey: string;
  app: StartedApp;
  configPath: string;
  /** The users YAML as written last. */
  yaml: string;
  writeUsers(yaml: string): void;
  /** ssh options for a client login as `user`. */
  sshArgs(user: string): string[];
  /** `-e` for rsync: the ssh command with the options. */
  rsyncRsh(): string;
  stop(): Promise<void>;
}

/**
 * Runs `sftp-config run` (which runs the real sshd) as root in a private mount namespace: /etc is an
 * overlay there (so the rendered passwd/group land in the overlay, not the host's /etc) and /run is
 * a fresh tmpfs with sshd's privilege separation folder. The datastore lives under /var/lib because
 * every component of a chroot must be root-owned and not group/other writable (/tmp is 1777).
 */
export interface FixtureSpec {
  /** Makes the datastore's folders (before sftp-config starts). */
  prepare(datastore: string): void;
  /** The users YAML, given the datastore and the client's public key line. */
  users(datastore: string, key: string): string;
  env?: Record<string, string>;
}

export async function startZfsSsh(spec: FixtureSpec): Promise<SatelliteFixture> {
  // First, so a missing bundle leaves nothing behind.
  const bundle = appBundle('sftp-config');
  const base = mkdtempSync(`/var/lib/sftp-config-test-${process.pid}-`);
  try {
    return await startIn(base, bundle, spec);
  } catch (error) {
    rmSync(base, { recursive: true, force: true });
    throw error;
  }
}

async function startIn(base: string, bundle: string, spec: FixtureSpec): Promise<SatelliteFixture> {
  chmodSync(base, 0o755);
  const datastore = join(base, 'store');
  for (const dir of ['store', 'cfg', 'keys', 'hostkey', 'etc-up', 'etc-work', 'client', 'run']) mkdirSync(join(base, dir), { mode: 0o755 });
  chmodSync(join(base, 'client'), 0o700);
  const clientKey = join(base, 'client', 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'satellite', '-f', clientKey]);
  copyFileSync('/etc/passwd', join(base, 'passwd.base'));
  copyFileSync('/etc/group', join(base, 'group.base'));
  const port = await freePort();
  const configPath = join(base, 'cfg', 'users.yaml');
  const health = join(base, 'health.sock');
  const nsScript = [
    'set -e',
    'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/etc-up,workdir=$1/etc-work" /etc',
    'mount -t tmpfs -o mode=755 tmpfs /run',
    'mkdir -m 755 /run/sshd',
    'shift',
    'exec "$@"',
  ].join('\n');
  const fixture: SatelliteFixture = {
    base,
    datastore,
    port,
    clientKey,
    configPath,
    yaml: '',
    app: undefined as unknown as StartedApp,
    writeUsers(yaml) {
      fixture.yaml = yaml;
      // A rename, as editors and config management do.
      writeFileSync(`${configPath}.tmp`, yaml);
      renameSync(`${configPath}.tmp`, configPath);
    },
    sshArgs: (user) => [
      '-i',
      clientKey,
      '-p',
      String(port),
      '-l',
      user,
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      '-o',
      'IdentitiesOnly=yes',
      '-F',
      '/dev/null',
    ],
    rsyncRsh: () =>
      `ssh -F /dev/null -i ${clientKey} -p ${port} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o IdentitiesOnly=yes`,
    async stop() {
      await fixture.app?.proc.stop(8_000);
      rmSync(base, { recursive: true, force: true });
    },
  };
  spec.prepare(datastore);
  fixture.writeUsers(spec.users(datastore, readFileSync(`${clientKey}.pub`, 'utf8').trim()));
  const proc = startProcess(
    'unshare',
    ['-m', '--propagation', 'private', 'sh', '-c', nsScript, 'ns', base, process.execPath, bundle, 'run'],
    {
      label: 'sftp-config',
      env: {
        LOG_LEVEL: 'info',
        HEALTH_LISTEN: health,
        SFTP_CONFIG: configPath,
        SFTP_SSHD_CONFIG_OUT: join(base, 'run', 'sshd_config'),
        SFTP_KEYS_DIR: join(base, 'keys'),
        SFTP_PASSWD_OUT: '/etc/passwd',
        SFTP_GROUP_OUT: '/etc/group',
        SFTP_PASSWD_BASE: join(base, 'passwd.base'),
        SFTP_GROUP_BASE: join(base, 'group.base'),
        SFTP_HOST_KEY: join(base, 'hostkey', 'ssh_host_ed25519_key'),
        SFTP_LISTEN_ADDRESS: '127.0.0.1',
        SFTP_LISTEN_PORT: String(port),
        SFTP_GATE_COMMAND: `${process.execPath} ${bundle}`,
        SFTP_NOLOGIN: '/usr/sbin/nologin',
        SFTP_DEBOUNCE: '100ms',
        ...spec.env,
      },
    },
  );
  fixture.app = {
    proc,
    health,
    readyz: async () => {
      const res = await httpRequest(health, '/readyz');
      return { status: res.status, body: JSON.parse(res.body) };
    },
    metrics: async () => (await httpRequest(health, '/metrics')).body,
  };
  try {
    await waitFor(
      async () => proc.exitInfo !== undefined || (await httpRequest(health, '/readyz').catch(() => ({ status: 0 }))).status === 200,
      { timeoutMs: 20_000, what: 'sftp-config to be ready' },
    );
    if (proc.exitInfo) throw new Error(`sftp-config exited early (${JSON.stringify(proc.exitInfo)}):\n${proc.output.slice(-3000)}`);
  } catch (error) {
    await fixture.stop();
    throw error;
  }
  return fixture;
}

/** A folder owned by `uid` (mode 0755), made with its parents root-owned. */
export function ownedDir(path: string, uid: number, mode = 0o755): string {
  mkdirSync(path, { recursive: true, mode: 0o755 });
  chownSync(path, uid, uid);
  chmodSync(path, mode);
  return path;
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a client program (ssh, sftp, rsync) to completion; never throws on a non-zero exit. */
export async function client(command: string, args: readonly string[], input?: string): Promise<Ran> {
  const proc = startProcess(command, args, { label: command, stdin: input === undefined ? 'ignore' : 'pipe' });
  if (input !== undefined) proc.child.stdin?.end(input);
  const info = await proc.waitExit(60_000);
  return { code: info.code ?? -1, stdout: proc.stdout.join('\n'), stderr: proc.stderr.join('\n') };
}

export async function waitForLog(f: SatelliteFixture, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  return waitFor(() => f.app.proc.stdout.find((line) => pattern.test(line)), {
    timeoutMs,
    what: `a log line ${pattern}\n${f.app.proc.output.slice(-3000)}`,
  });
}
