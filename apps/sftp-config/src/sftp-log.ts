/**
 * What internal-sftp's syslog datagrams (`-l INFO`, sent to `/dev/log` inside the chroot) say about
 * sessions and transfers, pure. socat receives the datagrams and prints each as a hex dump (`-x`):
 * a header line with its length, then the bytes; the hex framing keeps one datagram one message, so
 * a file name cannot smuggle a second "line" in. Anything not recognised is ignored.
 */

/** The largest byte count we believe (2^53 - 1): a longer number is a hostile or broken line. */
const MAX_BYTES = Number.MAX_SAFE_INTEGER;
/** OpenSSH's messages are under 1 KiB; anything much larger is not from it. */
const MAX_DATAGRAM = 4096;

const HEADER = /^[<>] \S+ \S+ +length=(\d{1,5}) from=\d+ to=\d+$/;
const HEX = /^(?: [0-9a-f]{2})+$/;

export type DumpItem = { kind: 'datagram'; text: string } | { kind: 'other'; line: string };

/** Feeds socat `-x` stderr lines; returns a datagram when its bytes are complete. */
export function hexDumpFramer() {
  let expected: number | undefined;
  let bytes: number[] = [];
  return (line: string): DumpItem | undefined => {
    const header = line.match(HEADER);
    if (header) {
      const n = Number(header[1]);
      expected = n > 0 && n <= MAX_DATAGRAM ? n : undefined;
      bytes = [];
      return undefined;
    }
    if (HEX.test(line)) {
      if (expected === undefined) return undefined;
      for (const pair of line.trim().split(' ')) bytes.push(Number.parseInt(pair, 16));
      if (bytes.length < expected) return undefined;
      const ok = bytes.length === expected;
      const text = Buffer.from(bytes).toString('utf8');
      expected = undefined;
      bytes = [];
      return ok ? { kind: 'datagram', text } : undefined;
    }
    expected = undefined;
    bytes = [];
    return line === '' ? undefined : { kind: 'other', line };
  };
}

export type SftpLogEvent =
  | { kind: 'opened'; pid: number; user: string }
  | { kind: 'closed'; pid: number; user: string }
  | { kind: 'transfer'; pid: number; read: number; written: number };

// RFC 3164 as glibc and musl write it to /dev/log: `<PRI>Mmm dd hh:mm:ss internal-sftp[PID]: MSG`.
const SYSLOG = /^<\d{1,3}>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d internal-sftp\[([1-9]\d{0,9})\]: (.*)$/s;
const SESSION = /^session (opened|closed) for local user ([a-z][a-z0-9_-]{0,31}) from \[[0-9A-Fa-f.:]{1,45}\]$/;
// The name is vis-encoded by OpenSSH (no newlines) but may hold quotes: the counts are the line's end.
const CLOSE = /^(?:forced )?close ".*" bytes read (\d{1,16}) written (\d{1,16})$/s;

function count(digits: string): number | undefined {
  const n = Number(digits);
  return Number.isSafeInteger(n) && n <= MAX_BYTES ? n : undefined;
}

export function parseSftpSyslog(datagram: string): SftpLogEvent | undefined {
  const m = datagram.match(SYSLOG);
  if (!m) return undefined;
  const pid = Number(m[1]);
  const message = m[2] as string;
  const session = message.match(SESSION);
  if (session) return { kind: session[1] === 'opened' ? 'opened' : 'closed', pid, user: session[2] as string };
  const close = message.match(CLOSE);
  if (!close) return undefined;
  const read = count(close[1] as string);
  const written = count(close[2] as string);
  if (read === undefined || written === undefined) return undefined;
  return { kind: 'transfer', pid, read, written };
}

export interface Transfer {
  user: string;
  read: number;
  written: number;
}

/**
 * One chroot's attribution: internal-sftp logs `session opened for local user NAME` first, from the
 * same pid as its `close` lines, so each pid maps to its user. Only the chroot's own users count
 * (a name that does not belong to this chroot is ignored); a transfer from an unknown pid is dropped.
 */
export function chrootAttributor(users: () => ReadonlySet<string>) {
  const byPid = new Map<number, string>();
  return (event: SftpLogEvent): Transfer | undefined => {
    if (event.kind === 'opened') {
      if (users().has(event.user)) byPid.set(event.pid, event.user);
      // Bounded: sessions that died without their `closed` line do not pile up forever.
      if (byPid.size > 10_000) byPid.delete(byPid.keys().next().value as number);
      return undefined;
    }
    if (event.kind === 'closed') {
      byPid.delete(event.pid);
      return undefined;
    }
    const user = byPid.get(event.pid);
    if (user === undefined || !users().has(user)) return undefined;
    return { user, read: event.read, written: event.written };
  };
}
