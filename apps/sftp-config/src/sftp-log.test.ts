import { describe, expect, it } from 'vitest';
import { chrootAttributor, hexDumpFramer, parseSftpSyslog, type SftpLogEvent } from './sftp-log.js';

const hex = (text: string) => ` ${[...Buffer.from(text)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
const header = (n: number) => `> 2026/12/02 15:24:12.000214124  length=${n} from=0 to=${n - 1}`;
const line = (pid: number, msg: string) => `<134>Dec  2 15:24:12 internal-sftp[${pid}]: ${msg}`;

describe('hexDumpFramer (socat -x)', () => {
  it('turns a header and its hex line into one datagram, even when the text holds "<134>" and newlines', () => {
    const frame = hexDumpFramer();
    const text = line(7, 'close "/a<134>Dec  2 15:24:12 internal-sftp[8]: x\nb" bytes read 1 written 2');
    expect(frame(header(Buffer.byteLength(text)))).toBeUndefined();
    expect(frame(hex(text))).toEqual({ kind: 'datagram', text });
  });

  it('drops a dump whose length does not match, hex without a header, and a too large length', () => {
    const frame = hexDumpFramer();
    expect(frame(hex('<1>x'))).toBeUndefined();
    frame(header(3));
    expect(frame(hex('abcd'))).toBeUndefined();
    frame(header(99_999));
    expect(frame(hex('abcd'))).toBeUndefined();
  });

  it("passes socat's own messages on as other lines", () => {
    const frame = hexDumpFramer();
    expect(frame('2026/12/02 15:24:12 socat[12] E bind: Address in use')).toEqual({
      kind: 'other',
      line: '2026/12/02 15:24:12 socat[12] E bind: Address in use',
    });
  });
});

describe('parseSftpSyslog', () => {
  it('reads session opened/closed and close lines (forced ones too)', () => {
    expect(parseSftpSyslog(line(41, 'session opened for local user editor from [127.0.0.1]'))).toEqual({
      kind: 'opened',
      pid: 41,
      user: 'editor',
    });
    expect(parseSftpSyslog(line(41, 'session closed for local user editor from [::1]'))).toEqual({
      kind: 'closed',
      pid: 41,
      user: 'editor',
    });
    expect(parseSftpSyslog(line(41, 'close "/docs/a b.txt" bytes read 0 written 1048576'))).toEqual({
      kind: 'transfer',
      pid: 41,
      read: 0,
      written: 1048576,
    });
    expect(parseSftpSyslog(line(41, 'forced close "/x" bytes read 5 written 0'))).toMatchObject({ kind: 'transfer', read: 5 });
  });

  it('takes the counts from the end even when the file name imitates them', () => {
    expect(parseSftpSyslog(line(9, 'close "/x" bytes read 999999 written 999999" bytes read 3 written 4'))).toEqual({
      kind: 'transfer',
      pid: 9,
      read: 3,
      written: 4,
    });
  });

  it.each([
    ['another program', '<134>Dec  2 15:24:12 sshd[9]: close "/x" bytes read 1 written 1'],
    ['no pid', '<134>Dec  2 15:24:12 internal-sftp: close "/x" bytes read 1 written 1'],
    ['no priority', 'Dec  2 15:24:12 internal-sftp[9]: close "/x" bytes read 1 written 1'],
    ['a huge count', line(9, 'close "/x" bytes read 99999999999999999 written 1')],
    ['a count past 2^53', line(9, 'close "/x" bytes read 9999999999999999 written 1')],
    ['a negative count', line(9, 'close "/x" bytes read -1 written 1')],
    ['trailing text', line(9, 'close "/x" bytes read 1 written 1 extra')],
    ['a bad user name', line(9, 'session opened for local user Root$ from [127.0.0.1]')],
    ['pid 0', line(0, 'close "/x" bytes read 1 written 1')],
    ['closedir', line(9, 'closedir "/x"')],
    ['empty', ''],
  ])('ignores %s', (_what, text) => {
    expect(parseSftpSyslog(text)).toBeUndefined();
  });
});

describe('chrootAttributor', () => {
  const transfer = (pid: number, read: number, written: number): SftpLogEvent => ({ kind: 'transfer', pid, read, written });

  it('attributes each transfer to the user whose session opened from that pid (shared chroot)', () => {
    const attribute = chrootAttributor(() => new Set(['editor', 'reader']));
    attribute({ kind: 'opened', pid: 10, user: 'editor' });
    attribute({ kind: 'opened', pid: 11, user: 'reader' });
    expect(attribute(transfer(10, 0, 100))).toEqual({ user: 'editor', read: 0, written: 100 });
    expect(attribute(transfer(11, 50, 0))).toEqual({ user: 'reader', read: 50, written: 0 });
  });

  it('drops transfers of unknown pids, closed sessions and users that do not belong to the chroot', () => {
    const users = new Set(['editor']);
    const attribute = chrootAttributor(() => users);
    expect(attribute(transfer(10, 1, 1))).toBeUndefined();
    attribute({ kind: 'opened', pid: 12, user: 'intruder' });
    expect(attribute(transfer(12, 1, 1))).toBeUndefined();
    attribute({ kind: 'opened', pid: 10, user: 'editor' });
    attribute({ kind: 'closed', pid: 10, user: 'editor' });
    expect(attribute(transfer(10, 1, 1))).toBeUndefined();
    attribute({ kind: 'opened', pid: 13, user: 'editor' });
    users.delete('editor');
    expect(attribute(transfer(13, 1, 1))).toBeUndefined();
  });
});
