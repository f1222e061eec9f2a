import { readFile } from 'node:fs/promises';
import { RuntimeError } from '@homelab/core';
import { z } from 'zod';

const summarySchema = z.object({
  general: z.object({
    total_requests: z.number().int().nonnegative(),
    valid_requests: z.number().int().nonnegative(),
    failed_requests: z.number().int().nonnegative(),
  }),
});

/** What the sidecar reads back from GoAccess's JSON report. */
export interface ReportSummary {
  /** Every log line GoAccess has counted, over the whole history in its database. */
  totalRequests: number;
  validRequests: number;
  failedRequests: number;
}

export function parseReportSummary(text: string): ReportSummary {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new RuntimeError('the GoAccess JSON report is not JSON', 'BAD_REPORT', { cause: error });
  }
  const parsed = summarySchema.safeParse(raw);
  if (!parsed.success) throw new RuntimeError('the GoAccess JSON report has no general totals', 'BAD_REPORT');
  const g = parsed.data.general;
  return { totalRequests: g.total_requests, validRequests: g.valid_requests, failedRequests: g.failed_requests };
}

export async function readReportSummary(path: string): Promise<ReportSummary> {
  return parseReportSummary(await readFile(path, 'utf8'));
}

/** Lines a run added: the growth of the total (a database trimmed by --keep-last can shrink it). */
export function linesAdded(previousTotal: number | undefined, total: number): number {
  return Math.max(0, total - (previousTotal ?? 0));
}
