import { describe, expect, it } from 'vitest';
import { goaccessArgs } from './goaccess.js';
import { linesAdded, parseReportSummary } from './report.js';

describe('goaccessArgs', () => {
  it('reads the log incrementally into the database and writes both reports', () => {
    expect(goaccessArgs({ log: '/var/log/caddy/access.log', dbDir: '/d/db', outDir: '/d/staging', title: 'stats', keepDays: 90 })).toEqual([
      '/var/log/caddy/access.log',
      '--log-format=CADDY',
      '--no-global-config',
      '--no-progress',
      '--no-parsing-spinner',
      '--restore',
      '--persist',
      '--db-path=/d/db/',
      '--html-report-title=stats',
      '--keep-last=90',
      '-o',
      '/d/staging/index.html',
      '-o',
      '/d/staging/report.json',
    ]);
  });

  it('without a log, the report comes from the database alone', () => {
    const args = goaccessArgs({ log: undefined, dbDir: '/d/db', outDir: '/d/s', title: 't' });
    expect(args[0]).toBe('--log-format=CADDY');
    expect(args.some((a) => a.startsWith('--keep-last'))).toBe(false);
  });
});

describe('report summary', () => {
  it('reads the totals of the JSON report', () => {
    const text = JSON.stringify({ general: { total_requests: 12, valid_requests: 11, failed_requests: 1, log_path: ['x'] }, requests: {} });
    expect(parseReportSummary(text)).toEqual({ totalRequests: 12, validRequests: 11, failedRequests: 1 });
  });

  it.each(['not json', '{}', '{"general":{"total_requests":-1,"valid_requests":0,"failed_requests":0}}'])('refuses %s', (text) => {
    expect(() => parseReportSummary(text)).toThrow(/GoAccess JSON report/);
  });

  it.each([
    [undefined, 7, 7],
    [7, 9, 2],
    [9, 9, 0],
    [9, 4, 0],
  ])('lines added from %s to %s: %s', (before, after, added) => {
    expect(linesAdded(before, after)).toBe(added);
  });
});
