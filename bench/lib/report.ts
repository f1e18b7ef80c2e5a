// What a benchmark module hands back: tables of figures, printed by bench/index.ts and written
// to bench/REPORT.md. Benchmarks print figures; they never assert timings.

export interface BenchTable {
  title: string;
  columns: string[];
  rows: string[][];
  /** Lines under the table: how it was measured, what the figures mean. */
  notes?: string[];
}

/** A benchmark module: bench/<name>.ts exporting `run`. */
export interface BenchModule {
  run(log: (line: string) => void): Promise<BenchTable[]>;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const fmt = {
  rate: (n: number) => (Number.isFinite(n) ? `${Math.round(n).toLocaleString('en-US')}/s` : 'n/a'),
  ms: (n: number) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US')} ms` : 'n/a'),
  pct: (n: number) => (Number.isFinite(n) ? `${Math.round(n * 100)}%` : 'n/a'),
};

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
}

export function renderText(t: BenchTable): string {
  const widths = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const lines = [t.title, '-'.repeat(t.title.length), pad(t.columns, widths), pad(widths.map((w) => '-'.repeat(w)), widths)];
  for (const r of t.rows) lines.push(pad(r, widths));
  for (const n of t.notes ?? []) lines.push(`  ${n}`);
  return lines.join('\n');
}

export function renderMarkdown(t: BenchTable): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [`### ${t.title}`, '', `| ${t.columns.map(esc).join(' | ')} |`, `| ${t.columns.map(() => '---').join(' | ')} |`];
  for (const r of t.rows) lines.push(`| ${r.map(esc).join(' | ')} |`);
  if (t.notes?.length) lines.push('', ...t.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}
