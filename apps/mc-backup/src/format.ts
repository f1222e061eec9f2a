import type { ListedArchive } from './app.js';

/** Pure: the table `mc-backup list` prints. */
export function formatArchiveTable(archives: readonly ListedArchive[], timeZone: string): string {
  if (archives.length === 0) return 'no archives\n';
  const fmt = new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'medium' });
  const rows = archives.map((a) => [a.name, `${fmt.format(a.time)} ${timeZone}`, a.retention === 'other' ? '(not ours)' : a.retention]);
  const header = ['ARCHIVE', 'TIME', 'RETENTION'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
