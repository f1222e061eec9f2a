import { describe, expect, it } from 'vitest';
import { parseRsyncCommand, splitOriginalCommand } from './rsync-args.js';

describe('parseRsyncCommand', () => {
  it.each([
    ['rsync --server -logDtpre.iLsfxCIvu --delete . dest/', 'rw', ['--server', '-logDtpre.iLsfxCIvu', '--delete', '.', 'dest/']],
    ['rsync --server --sender -logDtpre.iLsfxCIvu . dest/', 'ro', ['--server', '--sender', '-logDtpre.iLsfxCIvu', '.', 'dest/']],
    [
      'rsync --server -vlHogDtpAXre.iLsfxCIvu --delete . my\\ dir/',
      'rw',
      ['--server', '-vlHogDtpAXre.iLsfxCIvu', '--delete', '.', 'my dir/'],
    ],
    [
      'rsync --server -lWtre.iLsfxCIvu --numeric-ids --inplace --timeout=30 . d/',
      'rw',
      ['--server', '-lWtre.iLsfxCIvu', '--numeric-ids', '--inplace', '--timeout=30', '.', 'd/'],
    ],
    ['rsync --server --sender -logDtpre.iLsfxCIvu . a b/c', 'ro', ['--server', '--sender', '-logDtpre.iLsfxCIvu', '.', 'a', 'b/c']],
  ] as const)('accepts %s', (command, access, args) => {
    expect(parseRsyncCommand(command, access)).toMatchObject({ args });
  });

  it.each([
    [undefined, 'rw', /only runs rsync/],
    ['sh', 'rw', /only runs rsync/],
    ['rsync --daemon', 'rw', /only runs rsync/],
    ['rsync --server --daemon .', 'rw', /--daemon is not allowed/],
    ['rsync --server -logDtpre.iLsfxCIvu . dest/', 'ro', /read-only account/],
    ['rsync --server -slogDtpre.iLsfxCIvu . d/', 'rw', /-s is not allowed/],
    ['rsync --server -Llogtpre.iLsfxCIvu . d/', 'rw', /-L is not allowed/],
    ['rsync --server -Klogtpre.iLsfxCIvu . d/', 'rw', /-K is not allowed/],
    ['rsync --server -logDtpr --log-file=/tmp/x . d/', 'rw', /--log-file is not allowed/],
    ['rsync --server -logDtpr --temp-dir=/tmp . d/', 'rw', /--temp-dir is not allowed/],
    ['rsync --server -logDtpr --link-dest=/etc . d/', 'rw', /--link-dest is not allowed/],
    ['rsync --server -logDtpr --files-from=/etc/x . d/', 'rw', /--files-from is not allowed/],
    ['rsync --server -logDtpr --timeout=1;x . d/', 'rw', /characters outside/],
    ['rsync --server -logDtpr . ../x/', 'rw', /leaves your area/],
    ['rsync --server -logDtpr . a/../../x', 'rw', /leaves your area/],
    ['rsync --server -logDtpr . /etc/', 'rw', /is absolute/],
    ['rsync --server -logDtpr . ~/x', 'rw', /home-relative/],
    ['rsync --server -logDtpr . a b', 'rw', /exactly one destination/],
    ['rsync --server -logDtpr . $(id)', 'rw', /characters outside/],
    ['rsync --server -logDtpr . a\nb', 'rw', /control characters/],
    ['rsync --server -logDtpr .', 'rw', /no path/],
    ['rsync --server -logDtpr x d/', 'rw', /before the "\." marker/],
    ['rsync --server --sender --remove-source-files -logDtpr . d/', 'ro', /--remove-source-files is refused/],
    ['rsync --server --sender --sender -logDtpr . d/', 'ro', /twice/],
    ['rsync  --server', 'rw', /two spaces/],
    ['rsync --server -logDtpre.i;x . d', 'rw', /characters outside/],
  ] as const)('refuses %j', (command, access, why) => {
    const result = parseRsyncCommand(command, access);
    expect(typeof result).toBe('string');
    expect(result).toMatch(why);
  });

  it('removes backslash escapes and refuses a trailing backslash', () => {
    expect(splitOriginalCommand('a\\ b c')).toEqual(['a b', 'c']);
    expect(splitOriginalCommand('a\\')).toMatch(/trailing backslash/);
  });
});
