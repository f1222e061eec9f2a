import { readFileSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type CommandDeps, type Logger, parseYamlConfig, type Runner, writeFileAtomic } from '@homelab/core';
import { type FsProbe, lintUsers } from './chroot-lint.js';
import { type SftpEnv, type UsersFile, usersFileSchema } from './config.js';
import { realFsProbe } from './fs-probe.js';
import { renderAuthorizedKeys } from './render-keys.js';
import { clashingUsers, renderGroup, renderPasswd } from './render-passwd.js';
import { renderSshdConfig } from './render-sshd.js';

export interface RenderOutcome {
  enabled: string[];
  disabled: { user: string; line: string }[];
  /** True when sshd_config changed (sshd needs a SIGHUP). */
  sshdConfigChanged: boolean;
}

/** Reads and validates the users YAML (throws ConfigError naming the key). */
export function loadUsersFile(path: string): UsersFile {
  return parseYamlConfig(usersFileSchema, readFileSync(path, 'utf8'), path);
}

async function readOr(path: string, fallback: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return fallback;
  }
}

/**
 * One render: lint every user, write authorized_keys of the enabled ones (and delete the rest),
 * passwd/group, then sshd_config once `sshd -t` accepted it. A refused sshd_config throws and
 * leaves the old one in place (sshd keeps running on it).
 */
export async function renderAll(
  env: SftpEnv,
  file: UsersFile,
  deps: { runner: Runner; probe: FsProbe; log: Logger },
): Promise<RenderOutcome> {
  const passwdBase = env.SFTP_PASSWD_OUT ? await readFile(env.SFTP_PASSWD_BASE, 'utf8') : '';
  const groupBase = env.SFTP_GROUP_OUT ? await readFile(env.SFTP_GROUP_BASE, 'utf8') : '';
  const clashes = new Set(clashingUsers(passwdBase, file.users).map((u) => u.name));
  const lint = lintUsers(file, deps.probe);
  const disabled = [
    ...file.users
      .filter((u) => clashes.has(u.name))
      .map((u) => ({ user: u.name, line: `user ${u.name} disabled: its name or uid ${u.uid} is a system account` })),
    ...lint.violations,
  ];
  const enabled = lint.enabled.filter((u) => !clashes.has(u.name));

  await mkdir(env.SFTP_KEYS_DIR, { recursive: true, mode: 0o755 });
  await chmod(env.SFTP_KEYS_DIR, 0o755);
  const keysProblem = checkKeysDir(env.SFTP_KEYS_DIR, deps.probe);
  if (keysProblem) throw new Error(`SFTP_KEYS_DIR: ${keysProblem}`);
  const wanted = new Set(enabled.map((u) => u.name));
  for (const user of enabled) await writeFileAtomic(join(env.SFTP_KEYS_DIR, user.name), renderAuthorizedKeys(user), { mode: 0o644 });
  for (const name of await readdir(env.SFTP_KEYS_DIR)) if (!wanted.has(name)) await unlink(join(env.SFTP_KEYS_DIR, name));

  const accounts = { shell: env.SFTP_SHELL, nologin: env.SFTP_NOLOGIN };
  if (env.SFTP_PASSWD_OUT) await writeIfChanged(env.SFTP_PASSWD_OUT, renderPasswd(passwdBase, enabled, accounts));
  if (env.SFTP_GROUP_OUT) await writeIfChanged(env.SFTP_GROUP_OUT, renderGroup(groupBase, enabled));

  const text = renderSshdConfig(file, enabled, {
    listenAddress: env.SFTP_LISTEN_ADDRESS,
    port: env.SFTP_LISTEN_PORT,
    hostKey: env.SFTP_HOST_KEY,
    keysDir: env.SFTP_KEYS_DIR,
    gateCommand: env.SFTP_GATE_COMMAND,
    rsync: env.SFTP_RSYNC,
  });
  const out = env.SFTP_SSHD_CONFIG_OUT;
  const changed = (await readOr(out, '')) !== text;
  if (changed) {
    await mkdir(dirname(out), { recursive: true, mode: 0o755 });
    const candidate = `${out}.candidate`;
    await writeFile(candidate, text, { mode: 0o644 });
    try {
      await deps.runner.run(env.SFTP_SSHD, ['-t', '-f', candidate], { timeoutMs: 10_000 });
    } finally {
      await unlink(candidate).catch(() => {});
    }
    await writeFileAtomic(out, text, { mode: 0o644 });
  }
  return { enabled: enabled.map((u) => u.name), disabled, sshdConfigChanged: changed };
}

/**
 * sshd reads authorized_keys as the user, and with StrictModes refuses files below a folder others
 * may write: either way every login would fail with nothing but "Permission denied (publickey)".
 */
export function checkKeysDir(dir: string, probe: FsProbe): string | undefined {
  let path = '';
  for (const segment of ['', ...dir.split('/').filter(Boolean)]) {
    path = segment === '' ? '/' : `${path === '/' ? '' : path}/${segment}`;
    const stat = probe.lstat(path);
    if (!stat) return `${path} does not exist`;
    if (stat.isSymlink) continue;
    if (stat.uid !== 0) return `${path} is owned by uid ${stat.uid}, not root (sshd's StrictModes refuses the keys)`;
    if (stat.mode & 0o022) return `${path} is group- or other-writable (sshd's StrictModes refuses the keys)`;
    if (!(stat.mode & 0o001)) return `${path} is not searchable by others (sshd reads authorized_keys as the user)`;
  }
  return undefined;
}

async function writeIfChanged(path: string, text: string): Promise<void> {
  if ((await readOr(path, '')) === text) return;
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  await writeFileAtomic(path, text, { mode: 0o644 });
}

/** The `render` command: lint and render once, print the disabled users; exit 1 if any. */
export async function renderCommand({ config, runner, log, io }: CommandDeps<SftpEnv>): Promise<number> {
  const outcome = await renderAll(config, loadUsersFile(config.SFTP_CONFIG), { runner, probe: realFsProbe, log });
  for (const v of outcome.disabled) io.stdout(`${v.line}\n`);
  io.stdout(`enabled: ${outcome.enabled.join(' ') || '(none)'}\n`);
  return outcome.disabled.length > 0 ? 1 : 0;
}
