import { join } from 'node:path';

/** The files GoAccess writes into the staging folder; both are published. */
export const REPORT_HTML = 'index.html';
export const REPORT_JSON = 'report.json';

export interface GoAccessRun {
  /** Caddy's access log; undefined when it does not exist (yet): the report then comes from the database alone. */
  log: string | undefined;
  dbDir: string;
  outDir: string;
  title: string;
  keepDays?: number;
}

/**
 * GoAccess's arguments (tested with GoAccess 1.7, Debian 12; Alpine 3.21 ships 1.9.3 with the same flags):
 * - `--log-format=CADDY`: Caddy's JSON access log (GoAccess >= 1.5.2).
 * - `--restore --persist --db-path=DIR/`: load the database, add the log's new lines, save it again.
 *   GoAccess remembers per log inode how many lines it parsed (and the last timestamp), so a run
 *   reads only the lines added since the last run; a rotated (new inode) log is read from its start.
 * - `--no-global-config`: /etc/goaccess/goaccess.conf must not change the format or the panels.
 * - two `-o` outputs in one run: the HTML report and the same data as JSON (for the sidecar's own
 *   metrics and for scripts).
 */
export function goaccessArgs(run: GoAccessRun): string[] {
  return [
    ...(run.log === undefined ? [] : [run.log]),
    '--log-format=CADDY',
    '--no-global-config',
    '--no-progress',
    '--no-parsing-spinner',
    '--restore',
    '--persist',
    `--db-path=${run.dbDir}/`,
    `--html-report-title=${run.title}`,
    ...(run.keepDays === undefined ? [] : [`--keep-last=${run.keepDays}`]),
    '-o',
    join(run.outDir, REPORT_HTML),
    '-o',
    join(run.outDir, REPORT_JSON),
  ];
}
