import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The offline stand-in for Alpine in the image tests: a minimal root filesystem made of this
 * machine's own programs (Debian), which `podman import` turns into the ALPINE_IMAGE of
 * runtime-base.Containerfile (with PACKAGES=preinstalled). It holds what the images' runtime stages
 * use: node, tini, a busybox for sh/wget/nc/mkdir (plus OpenBSD's nc for `nc -z`), and the tools of every image that exist here
 * (borg with its python, rsync, git, lighttpd, goaccess, cgit with python-markdown, openssh's sshd, caddy,
 * wireguard-go, wg, nft and iproute2's ip). Not
 * here: OpenJDK (mc-server), ttyd (mc-ttyd-rcon, not in Debian 12), little-a-map (mc-map), zfs.
 *
 * Paths follow Alpine's layout where the images rely on it (cgit under /usr/share/webapps/cgit,
 * tini at /sbin/tini, /usr/bin/env), so the Containerfiles stay written for Alpine.
 */
export interface RootfsTools {
  /** Programs copied with the shared libraries `ldd` names: host path -> path in the rootfs. */
  programs: Record<string, string>;
  /** Folders copied as they are (symlinks kept); shared objects inside get their libraries. */
  trees: Record<string, string>;
}

/** The python packages borg and cgit's markdown filter import (Debian's dist-packages). */
const PYTHON_PACKAGES = ['borg', 'msgpack', 'packaging', 'pkg_resources', 'markdown', 'pygments'];
const DIST_PACKAGES = '/usr/lib/python3/dist-packages';

/** Debian's python3, e.g. /usr/bin/python3.11 (the one borg's `#!/usr/bin/python3` runs). */
function debianPython(): string {
  return realpathSync('/usr/bin/python3');
}

export function substituteTools(): RootfsTools {
  const python = debianPython();
  const pythonLib = `/usr/lib/${basename(python)}`;
  const borgMeta = readdirSync(DIST_PACKAGES).filter((e) => /^borgbackup-.*-info$/.test(e));
  return {
    programs: {
      // The node that runs these tests: the images run the bundles with the same version.
      [process.execPath]: '/usr/bin/node',
      '/usr/bin/tini-static': '/sbin/tini',
      '/usr/bin/busybox': '/bin/busybox',
      // labctl probes `health: {tcp: PORT}` with `/usr/bin/nc -z`: Alpine's busybox nc (its /usr/bin/nc
      // link) has -z, Debian's has not, so the substitute's /usr/bin/nc is OpenBSD's (Debian netcat-openbsd).
      '/usr/bin/nc.openbsd': '/usr/bin/nc',
      [python]: python,
      '/usr/bin/borg': '/usr/bin/borg',
      '/usr/bin/rsync': '/usr/bin/rsync',
      '/usr/bin/git': '/usr/bin/git',
      '/usr/sbin/lighttpd': '/usr/sbin/lighttpd',
      '/usr/bin/goaccess': '/usr/bin/goaccess',
      '/usr/lib/cgit/cgit.cgi': '/usr/share/webapps/cgit/cgit.cgi',
      '/usr/sbin/sshd': '/usr/sbin/sshd',
      '/usr/bin/ssh-keygen': '/usr/bin/ssh-keygen',
      // The ssh client: the test logs in from inside the container (it has no network).
      '/usr/bin/ssh': '/usr/bin/ssh',
      // The sftp client: zfs-ssh's smoke test edits over sftp from inside the container.
      '/usr/bin/sftp': '/usr/bin/sftp',
      // zfs-ssh's sftp log listener (bytes per user): one socat per chroot.
      '/usr/bin/socat': '/usr/bin/socat',
      // rproxy-edge (Alpine's caddy is /usr/sbin/caddy) and vpn-edge (wireguard-go, wg, nft, ip).
      '/usr/bin/caddy': '/usr/sbin/caddy',
      '/usr/bin/wireguard-go': '/usr/bin/wireguard-go',
      '/usr/bin/wg': '/usr/bin/wg',
      '/usr/sbin/nft': '/usr/sbin/nft',
      [realpathSync('/usr/sbin/ip')]: '/sbin/ip',
    },
    trees: {
      [pythonLib]: pythonLib,
      '/usr/lib/git-core': '/usr/lib/git-core',
      '/usr/share/git-core/templates': '/usr/share/git-core/templates',
      '/usr/lib/lighttpd': '/usr/lib/lighttpd',
      '/usr/lib/cgit/filters': '/usr/lib/cgit/filters',
      '/usr/share/cgit': '/usr/share/webapps/cgit',
      ...Object.fromEntries([...PYTHON_PACKAGES, ...borgMeta].map((p) => [`${DIST_PACKAGES}/${p}`, `${DIST_PACKAGES}/${p}`])),
    },
  };
}

/** Parts of the python stdlib the images never load (tests, GUI, build support). */
const PYTHON_EXCLUDES = ['test', 'idlelib', 'tkinter', 'turtledemo', 'ensurepip', 'lib2to3', 'pydoc_data', 'config-3*'];

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** A host path with its folders resolved (this Debian has merged /usr: /lib -> usr/lib). */
function canonical(path: string): string {
  return join(realpathSync(dirname(path)), basename(path));
}

/** The shared libraries (and the loader) an ELF file needs, as host paths; [] for scripts. */
export function sharedLibraries(file: string): string[] {
  let out: string;
  try {
    out = run('ldd', [file]);
  } catch {
    return []; // not a dynamic executable (static binary or script)
  }
  const libs = new Set<string>();
  for (const line of out.split('\n')) {
    const match = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (match?.[1]) libs.add(match[1]);
  }
  return [...libs];
}

function copyInto(root: string, hostPath: string, rootfsPath: string): void {
  const target = join(root, rootfsPath);
  mkdirSync(dirname(target), { recursive: true });
  if (!existsSync(target)) copyFileSync(hostPath, target);
}

function copyWithLibraries(root: string, hostPath: string, rootfsPath: string): void {
  if (!existsSync(hostPath))
    throw new Error(`substitute base: ${hostPath} is missing (install its Debian package, see .ci/apt-packages.txt)`);
  copyInto(root, hostPath, rootfsPath);
  for (const lib of sharedLibraries(hostPath)) copyInto(root, lib, canonical(lib));
}

function copyTree(root: string, hostDir: string, rootfsDir: string): void {
  if (!existsSync(hostDir))
    throw new Error(`substitute base: ${hostDir} is missing (install its Debian package, see .ci/apt-packages.txt)`);
  const target = join(root, rootfsDir);
  mkdirSync(target, { recursive: true });
  const excludes = hostDir.startsWith('/usr/lib/python3') ? PYTHON_EXCLUDES.map((e) => `--exclude=./${e}`) : [];
  // tar keeps symlinks and hard links (git-core is mostly hard links to one binary).
  const script = 'set -o pipefail; src=$1 dst=$2; shift 2; tar -C "$src" -c "$@" . | tar -C "$dst" -x';
  execFileSync('bash', ['-c', script, 'bash', hostDir, target, ...excludes], { stdio: ['ignore', 'ignore', 'pipe'] });
  const sharedObjects = run('find', [hostDir, '-type', 'f', '(', '-name', '*.so', '-o', '-name', '*.so.*', '-o', '-name', '*.cgi', ')'])
    .split('\n')
    .filter(Boolean);
  for (const so of sharedObjects) for (const lib of sharedLibraries(so)) copyInto(root, lib, canonical(lib));
}

/** Writes the substitute root filesystem into `root` (an empty folder). */
export function buildSubstituteRootfs(root: string, tools: RootfsTools = substituteTools()): void {
  for (const dir of [
    'bin',
    'sbin',
    'etc',
    'root',
    'tmp',
    'usr/bin',
    'usr/sbin',
    'usr/lib',
    'usr/lib64',
    'usr/local/bin',
    'var/tmp',
    'run',
  ]) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  symlinkSync('usr/lib', join(root, 'lib'));
  symlinkSync('usr/lib64', join(root, 'lib64'));
  chmodSync(join(root, 'tmp'), 0o1777);
  chmodSync(join(root, 'var/tmp'), 0o1777);
  for (const [host, inRootfs] of Object.entries(tools.programs)) copyWithLibraries(root, host, inRootfs);
  for (const [host, inRootfs] of Object.entries(tools.trees)) copyTree(root, host, inRootfs);
  // busybox provides sh, wget, nc, mkdir ... as in Alpine; real programs in /usr/bin come first in PATH.
  for (const applet of run('/usr/bin/busybox', ['--list']).split('\n').filter(Boolean)) {
    if (!existsSync(join(root, 'bin', applet))) symlinkSync('busybox', join(root, 'bin', applet));
  }
  symlinkSync('/bin/env', join(root, 'usr/bin/env'));
  // As on Alpine: wg and wireguard-go meet at /var/run/wireguard/<if>.sock.
  mkdirSync(join(root, 'var'), { recursive: true });
  symlinkSync('../run', join(root, 'var/run'));
  symlinkSync(basename(debianPython()), join(root, 'usr/bin/python3'));
  if (existsSync(join(root, 'usr/bin/git'))) {
    // git's own git-shell (the login shell of git-ssh) is one of git-core's hard links.
    symlinkSync('/usr/lib/git-core/git-shell', join(root, 'usr/bin/git-shell'));
  }
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnobody:x:65534:\n');
  writeFileSync(join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o640 });
  writeFileSync(join(root, 'etc/os-release'), 'NAME="homelab substitute base"\nID=homelab-substitute\n');
}
