/** One row of `npm run bench`: a measured value next to its baseline from the same run. */
export interface BenchRow {
  /** The benchmark group, e.g. `bridge`. */
  bench: string;
  metric: string;
  value: number;
  unit: string;
  /** The same measurement of the baseline, taken in the same run. */
  baseline?: number;
  /** What the baseline is, e.g. `direct RCON`. */
  baselineLabel?: string;
  /** The goal, in words, e.g. `ratio <= 1.3`. */
  goal?: string;
  /** Whether the goal was met; undefined when there is no goal. */
  met?: boolean;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toPrecision(3));

/**
 * Prints rows as JSON lines prefixed with `BENCH ` (collected by bench/run.mjs into one table).
 * A bench script calls this once per row or once with all its rows.
 */
export function reportBench(rows: BenchRow | BenchRow[]): void {
  for (const row of Array.isArray(rows) ? rows : [rows]) {
    process.stdout.write(`BENCH ${JSON.stringify(row)}\n`);
  }
}

export function ratio(value: number, baseline: number): number {
  return baseline === 0 ? Number.NaN : value / baseline;
}

export function formatBenchTable(rows: BenchRow[]): string {
  const header = ['bench', 'metric', 'value', 'baseline', 'ratio', 'goal', 'met'];
  const lines = rows.map((r) => [
    r.bench,
    r.metric,
    `${fmt(r.value)} ${r.unit}`,
    r.baseline !== undefined ? `${fmt(r.baseline)} ${r.unit}${r.baselineLabel ? ` (${r.baselineLabel})` : ''}` : '',
    r.baseline !== undefined ? fmt(ratio(r.value, r.baseline)) : '',
    r.goal ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [row(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(row)].join('\n');
}

/** Percentile of a sorted-or-not sample (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}
