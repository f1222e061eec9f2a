import { bridgeRefusal } from '@homelab/rcon';
import { checkTellraw } from './tellraw.js';

/** Commands the restricted (backup) socket lets through: what a backup and its notices need. */
export const BACKUP_ALLOWED = ['save-off', 'save-on', 'save-all', 'say', 'tellraw', 'list'] as const;
/** Longest `say` message on the restricted socket (vanilla's chat limit). */
export const SAY_MAX_CHARS = 256;

export type BackupCheck = { ok: true; command: string } | { ok: false; refusal: string };

/**
 * Pure: the command to send upstream from the backup socket, or the refusal. The text is trimmed
 * and a leading `/` dropped; what is returned is exactly the text that was checked (tellraw's
 * component rebuilt from the checked value), so nothing the check did not see goes upstream.
 * Arguments are separated by one space, as the server's command parser reads them.
 */
export function checkBackupCommand(raw: string): BackupCheck {
  const text = raw.trim().replace(/^\//, '');
  // A line break, CR, NUL or tab inside would be read differently upstream (vanilla stops at NUL).
  if (/[\p{Cc}\u2028\u2029]/u.test(text)) return refuse(raw, 'control characters (line breaks, CR, NUL, tabs) are not allowed');
  const space = text.indexOf(' ');
  const name = space < 0 ? text : text.slice(0, space);
  const args = space < 0 ? undefined : text.slice(space + 1);
  switch (name) {
    case 'save-off':
    case 'save-on':
      return args === undefined ? { ok: true, command: text } : refuse(raw, `${name} takes no arguments`);
    case 'save-all':
      return args === undefined || args === 'flush' ? { ok: true, command: text } : refuse(raw, 'save-all takes only "flush"');
    case 'list':
      return args === undefined || args === 'uuids' ? { ok: true, command: text } : refuse(raw, 'list takes only "uuids"');
    case 'say':
      if (!args) return refuse(raw, 'say needs a message');
      if (args.length > SAY_MAX_CHARS) return refuse(raw, `say takes at most ${SAY_MAX_CHARS} characters (got ${args.length})`);
      return { ok: true, command: text };
    case 'tellraw': {
      const checked = checkTellraw(args ?? '');
      return checked.ok ? checked : refuse(raw, checked.why);
    }
    default:
      return refuse(raw, `"${name || '(empty)'}" is not allowed on the backup socket (allowed: ${BACKUP_ALLOWED.join(', ')})`);
  }
}

function refuse(command: string, why: string): BackupCheck {
  return { ok: false, refusal: bridgeRefusal(`${why}; nothing was sent to the server`, visible(command)) };
}

/** The command as the refusal shows it: control characters escaped (a reply holds no raw CR or NUL). */
function visible(command: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  return command.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => named[c] ?? `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}
