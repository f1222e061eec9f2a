import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The parts of GoAccess's data the tests look at. */
export interface ReportData {
  general: { total_requests: number; valid_requests: number };
  requests: { data: { data: string; hits: { count: number } }[] };
  not_found: { data: { data: string; hits: { count: number } }[] };
}

/** The data GoAccess embeds in its HTML report (`var json_data={...}</script>`), what a browser shows. */
export function dataFromHtml(html: string): ReportData {
  const marker = 'var json_data=';
  const start = html.indexOf(marker);
  if (start < 0) throw new Error('the HTML report has no embedded json_data');
  const from = start + marker.length;
  const end = html.indexOf('</script>', from);
  return JSON.parse(html.slice(from, end).replace(/;\s*$/, '')) as ReportData;
}

/** Hits per path over the requests and not-found panels of the report. */
export function hitsByPath(data: ReportData): Map<string, number> {
  const hits = new Map<string, number>();
  for (const panel of [data.requests, data.not_found])
    for (const item of panel.data) hits.set(item.data, (hits.get(item.data) ?? 0) + item.hits.count);
  return hits;
}

/** The published report (through the `current` symlink, as lighttpd serves it): the HTML's data and the JSON. */
export async function readPublished(dataDir: string): Promise<{ html: ReportData; json: ReportData } | undefined> {
  try {
    const html = await readFile(join(dataDir, 'current', 'index.html'), 'utf8');
    const json = JSON.parse(await readFile(join(dataDir, 'current', 'report.json'), 'utf8')) as ReportData;
    return { html: dataFromHtml(html), json };
  } catch {
    return undefined;
  }
}
