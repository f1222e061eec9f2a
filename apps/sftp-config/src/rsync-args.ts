/**
 * The rsync gate's policy, pure: which `$SSH_ORIGINAL_COMMAND` may start `rsync --server`.
 * An allowlist: anything not named here (a new option, a file-reading or path-taking option,
 * `-s`/protect-args that would hide the paths from us) is refused.
 */

/** Short options the rsync client sends to the server that neither read nor write outside the named paths. */
const SAFE_SHORT = new Set('lvogDtprzcHAXSxnWduOJUNmqiyRCIEh');

/** Long options without a value. */
const SAFE_LONG = new Set([
  '--delete',
  '--delete-before',
  '--delete-during',
  '--delete-delay',
  '--delete-after',
  '--delete-excluded',
  '--delete-missing-args',
  '--ignore-missing-args',
  '--ignore-errors',
  '--force',
  '--partial',
  '--inplace',
  '--append',
  '--append-verify',
  '--numeric-ids',
  '--existing',
  '--ignore-existing',
  '--size-only',
  '--ignore-times',
  '--no-implied-dirs',
  '--safe-links',
  '--munge-links',
  '--fake-super',
  '--omit-dir-times',
  '--omit-link-times',
  '--checksum',
  '--whole-file',
  '--no-whole-file',
  '--sparse',
  '--preallocate',
  '--fsync',
  '--delay-updates',
  '--prune-empty-dirs',
  '--mkpath',
  '--remove-source-files',
]);

/** Long options with a value, and the value's grammar. */
const SAFE_VALUED: Record<string, RegExp> = {
  '--compress-level': /^[0-9]{1,2}$/,
  '--compress-choice': /^[a-z0-9]{1,16}$/,
  '--zc': /^[a-z0-9]{1,16}$/,
  '--checksum-choice': /^[a-z0-9,]{1,32}$/,
  '--cc': /^[a-z0-9,]{1,32}$/,
  '--max-delete': /^[0-9]{1,9}$/,
  '--max-size': /^[0-9]{1,15}[KMGTkmgt]?[Bb]?$/,
  '--min-size': /^[0-9]{1,15}[KMGTkmgt]?[Bb]?$/,
  '--modify-window': /^-?[0-9]{1,6}$/,
  '--timeout': /^[0-9]{1,6}$/,
  '--bwlimit': /^[0-9]{1,9}[KMGkmg]?$/,
  '--block-size': /^[0-9]{1,9}$/,
};

/** What an argument may hold once rsync's backslash escapes are removed. */
const SAFE_CHARS = /^[A-Za-z0-9 ._@+,=:%~/-]+$/;

export type Access = 'ro' | 'rw';

export interface RsyncRequest {
  /** The arguments after `rsync` (starting with `--server`), unescaped. */
  args: string[];
  sender: boolean;
  /** The path arguments, relative to the user's area. */
  paths: string[];
}

/** Splits on unescaped single spaces and removes rsync's backslash escapes. */
export function splitOriginalCommand(command: string): string[] | string {
  if (command.length > 8192) return 'command too long';
  if (/[\u0000-\u001f\u007f]/.test(command)) return 'control characters in the command';
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < command.length; i++) {
    const c = command[i] as string;
    if (c === '\\') {
      const next = command[i + 1];
      if (next === undefined) return 'trailing backslash';
      current += next;
      i++;
    } else if (c === ' ') {
      if (current === '') return 'empty argument (two spaces)';
      out.push(current);
      current = '';
    } else current += c;
  }
  if (current !== '') out.push(current);
  for (const arg of out)
    if (!SAFE_CHARS.test(arg)) return `argument "${arg.slice(0, 60)}" has characters outside letters, digits, space and ._@+,=:%~/-`;
  return out;
}

function checkShortCluster(arg: string): string | undefined {
  const body = arg.slice(1);
  const e = body.indexOf('e');
  const flags = e === -1 ? body : body.slice(0, e);
  const caps = e === -1 ? '' : body.slice(e + 1);
  for (const c of flags) if (!SAFE_SHORT.has(c)) return `option -${c} is not allowed`;
  if (!/^\.?[A-Za-z]{0,32}$/.test(caps)) return `bad capability string "${caps.slice(0, 40)}"`;
  return undefined;
}

/** A path the server may be given: relative to the area, no `..`, no empty name in the middle. */
export function checkRequestPath(path: string): string | undefined {
  if (path.startsWith('/')) return `path "${path}" is absolute: paths are relative to your area`;
  if (path.startsWith('~')) return `path "${path}": no home-relative paths`;
  if (path.split('/').some((segment) => segment === '..')) return `path "${path}" leaves your area (..)`;
  return undefined;
}

/** Pure: validates the whole command for a user with `access`. Returns the request or why not. */
export function parseRsyncCommand(command: string | undefined, access: Access): RsyncRequest | string {
  if (command === undefined || command === '') return 'this account only runs rsync (no shell, no sftp)';
  const tokens = splitOriginalCommand(command);
  if (typeof tokens === 'string') return tokens;
  if (tokens[0] !== 'rsync' || tokens[1] !== '--server') return 'this account only runs rsync (no shell, no sftp)';
  const args = tokens.slice(1);
  let sender = false;
  let i = 2;
  for (; i < tokens.length && tokens[i] !== '.'; i++) {
    const arg = tokens[i] as string;
    if (arg === '--sender') {
      if (sender) return 'option --sender given twice';
      sender = true;
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg : arg.slice(0, eq);
      if (eq === -1 && !SAFE_LONG.has(name)) return `option ${name} is not allowed`;
      if (eq !== -1 && !(SAFE_VALUED[name]?.test(arg.slice(eq + 1)) ?? false)) return `option ${name} is not allowed with that value`;
      if (name === '--remove-source-files' && access === 'ro') return 'read-only account: --remove-source-files is refused';
    } else if (arg.startsWith('-') && arg.length > 1) {
      const problem = checkShortCluster(arg);
      if (problem) return problem;
    } else return `unexpected argument "${arg.slice(0, 60)}" before the "." marker`;
  }
  if (tokens[i] !== '.') return 'expected rsync server arguments ending in ". PATH"';
  const paths = tokens.slice(i + 1);
  if (paths.length === 0) return 'no path given';
  if (!sender && access === 'ro') return 'read-only account: pushing (writing) is refused; pull only';
  if (!sender && paths.length !== 1) return 'a push names exactly one destination';
  for (const path of paths) {
    const problem = checkRequestPath(path);
    if (problem) return problem;
  }
  return { args, sender, paths };
}
