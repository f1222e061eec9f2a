import { lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Logger, type ProcessRunner, type SupervisedChild, superviseChild } from '@homelab/core';
import { chrootAttributor, hexDumpFramer, parseSftpSyslog, type Transfer } from './sftp-log.js';

/** Characters socat's address syntax leaves alone (no `,` `:` `!` ...); our path grammar is narrower. */
const SOCAT_SAFE = /^\/[A-Za-z0-9._@+/-]+$/;
const RESTART_MS = 5_000;

/**
 * Makes `<chroot>/dev` (root-owned, 0755, as OpenSSH wants every folder a chroot user could reach
 * through) or checks the one that is there; returns a problem line when it is not usable.
 */
export function prepareDevFolder(chroot: string): string | undefined {
  const dev = join(chroot, 'dev');
  try {
    mkdirSync(dev, { mode: 0o755 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return `cannot make ${dev}: ${(error as Error).message}`;
  }
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(dev);
  } catch (error) {
    return `cannot read ${dev}: ${(error as Error).message}`;
  }
  if (!st.isDirectory()) return `${dev} is not a real folder`;
  if (st.uid !== 0) return `${dev} is not owned by root (uid ${st.uid})`;
  if ((st.mode & 0o022) !== 0) return `${dev} is group- or other-writable (mode 0${(st.mode & 0o777).toString(8)})`;
  return undefined;
}

/**
 * One syslog listener per chroot in use: `socat -u -x UNIX-RECV:<chroot>/dev/log` (internal-sftp
 * logs there from inside the chroot; Node has no unix datagram sockets). socat's hex dump (stderr)
 * is framed into datagrams, parsed and attributed to the chroot's users. A listener that dies is
 * started again after 5 s while its chroot is still in use (core superviseChild runs each one).
 */
export function chrootLogListeners(opts: { runner: ProcessRunner; log: Logger; socat: string; onTransfer: (t: Transfer) => void }) {
  interface Listener {
    users: ReadonlySet<string>;
    stopped: boolean;
    child?: SupervisedChild;
    timer?: NodeJS.Timeout;
  }
  const listeners = new Map<string, Listener>();
  // One warn line per chroot and problem, not one per relint.
  const warned = new Map<string, string>();
  const refuse = (chroot: string, problem: string) => {
    if (warned.get(chroot) !== problem) opts.log.warn({ chroot }, `bytes not measured for this chroot: ${problem}`);
    warned.set(chroot, problem);
  };

  const start = (chroot: string, listener: Listener) => {
    const log = opts.log.child({ chroot });
    const attribute = chrootAttributor(() => listener.users);
    const frame = hexDumpFramer();
    const socket = join(chroot, 'dev', 'log');
    const child = superviseChild({
      runner: opts.runner,
      command: opts.socat,
      args: ['-u', '-x', `UNIX-RECV:${socket},mode=666,unlink-early`, 'OPEN:/dev/null'],
      log,
      name: 'sftp log listener (socat)',
      lineStreams: ['stderr'],
      killAfterMs: 2_000,
      onLine: (line) => {
        const item = frame(line);
        if (item?.kind === 'other') log.warn({ socat: item.line }, 'socat');
        if (item?.kind !== 'datagram') return;
        const event = parseSftpSyslog(item.text);
        if (!event) return;
        const transfer = attribute(event);
        if (transfer) opts.onTransfer(transfer);
      },
    });
    listener.child = child;
    void child.exited.then(() => {
      if (listener.stopped || listeners.get(chroot) !== listener) return;
      log.warn('sftp log listener exited; starting it again in 5s');
      listener.timer = setTimeout(() => {
        if (!listener.stopped && listeners.get(chroot) === listener) start(chroot, listener);
      }, RESTART_MS);
    });
  };

  const stopOne = async (chroot: string) => {
    const listener = listeners.get(chroot);
    if (!listener) return;
    listeners.delete(chroot);
    listener.stopped = true;
    clearTimeout(listener.timer);
    await listener.child?.stop();
  };

  return {
    /** The chroots in use now, each with the users whose sessions it may attribute. */
    async reconcile(wanted: ReadonlyMap<string, ReadonlySet<string>>) {
      for (const chroot of [...listeners.keys()]) if (!wanted.has(chroot)) await stopOne(chroot);
      for (const [chroot, users] of wanted) {
        const existing = listeners.get(chroot);
        if (existing) {
          existing.users = users;
          continue;
        }
        const problem = SOCAT_SAFE.test(chroot) ? prepareDevFolder(chroot) : 'its path is not safe in a socat address';
        if (problem) {
          refuse(chroot, problem);
          continue;
        }
        warned.delete(chroot);
        const listener: Listener = { users, stopped: false };
        listeners.set(chroot, listener);
        start(chroot, listener);
      }
    },
    async stop() {
      for (const chroot of [...listeners.keys()]) await stopOne(chroot);
    },
  };
}
