import { bridgeRefusal } from '@homelab/rcon';

/** Commands the restricted (backup) socket lets through: what a backup and its notices need. */
export const BACKUP_ALLOWED = ['save-off', 'save-on', 'save-all', 'say', 'tellraw', 'list'] as const;

/** Pure: null when the command may go upstream from the backup socket, else the refusal text. */
export function backupRefusal(command: string): string | null {
  const name = command.trim().replace(/^\//, '').split(/\s+/)[0] ?? '';
  if ((BACKUP_ALLOWED as readonly string[]).includes(name)) {
    // save-all takes only `flush`; say/tellraw need text; list takes at most `uuids`.
    const args = command.trim().split(/\s+/).slice(1);
    if (name === 'save-all' && !(args.length === 0 || (args.length === 1 && args[0] === 'flush'))) {
      return refusal(command, 'save-all takes only "flush"');
    }
    if ((name === 'save-off' || name === 'save-on') && args.length > 0) return refusal(command, `${name} takes no arguments`);
    return null;
  }
  return refusal(command, `"${name || '(empty)'}" is not allowed on the backup socket (allowed: ${BACKUP_ALLOWED.join(', ')})`);
}

function refusal(command: string, why: string): string {
  return bridgeRefusal(`${why}; nothing was sent to the server`, command);
}
