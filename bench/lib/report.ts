// What a benchmark module hands back: tables of figures, printed by bench/index.ts and written
// to bench/REPORT.md; beside them, the figures that map onto upstream's SLIs and the machine's
// limits measured in the same run, which bench/index.ts gathers into the report's first section.
// Benchmarks print figures; they never assert timings.
import { UPSTREAM_SLOS, type SliId, type UpstreamSlo } from './slos.ts';

export interface BenchTable {
  title: string;
  columns: string[];
  rows: string[][];
  /** Lines under the table: how it was measured, what the figures mean. */
  notes?: string[];
}

/** One of a benchmark's figures that maps onto an upstream SLI (bench/lib/slos.ts). */
export interface SloFigure {
  sli: SliId;
  /** Our figure as the report prints it, e.g. "95.7 ms p99". */
  measured: string;
  /**
   * The figure judged against upstream's bound, in ms: a p99, or the max of a few samples standing
   * in for one. Absent where no latency applies; NaN when the run produced none.
   */
  ms?: number;
  /** What was timed, and where that differs from upstream's definition. */
  how: string;
}

/** A limit of this machine measured in the same run (raw PostgreSQL, raw HTTPS, direct to a pod). */
export interface MachineLimit {
  limit: string;
  measured: string;
  /** Our figure that runs into this limit, and its share of it. */
  beside?: string;
}

/** What `run` hands back when it has more than tables. */
export interface BenchResult {
  tables: BenchTable[];
  slos?: SloFigure[];
  limits?: MachineLimit[];
}

/** A benchmark module: bench/<name>.ts exporting `run`; a bare list of tables is a result without SLO figures. */
export interface BenchModule {
  run(log: (line: string) => void): Promise<BenchTable[] | BenchResult>;
}

export const resultOf = (r: BenchTable[] | BenchResult): BenchResult => (Array.isArray(r) ? { tables: r } : r);

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

// --- the report's first section: upstream's SLOs and the machine's limits -------------------------

/** A module's result under the benchmark's name (bench/<name>.ts). */
export interface NamedResult {
  name: string;
  result: BenchResult;
}

/** Whether a figure meets its objective; undefined where upstream publishes no bound or the run produced no number. */
export function sloMet(slo: UpstreamSlo, figure: SloFigure): boolean | undefined {
  if (slo.boundMs === undefined || figure.ms === undefined || Number.isNaN(figure.ms)) return undefined;
  return figure.ms <= slo.boundMs;
}

function verdict(slo: UpstreamSlo, figure: SloFigure): string {
  const met = sloMet(slo, figure);
  if (met !== undefined) return met ? 'met' : 'NOT MET';
  return slo.boundMs === undefined ? 'no bound published' : 'n/a (no figure)';
}

const SLO_SOURCE = 'https://github.com/kubernetes/community/blob/master/sig-scalability/slos';

/**
 * Every SLI upstream publishes, each with the figures the benchmarks handed back for it (or "not
 * measured"), in the catalogue's order; the benchmarks' order within an SLI.
 */
export function sloTable(results: readonly NamedResult[]): BenchTable {
  const rows: string[][] = [];
  const count = { met: 0, notMet: 0, unmeasured: 0 };
  for (const slo of UPSTREAM_SLOS) {
    const figures = results.flatMap((r) => (r.result.slos ?? []).filter((f) => f.sli === slo.id).map((f) => ({ ...f, benchmark: r.name })));
    const head = [slo.sli, slo.status, slo.objective];
    if (figures.length === 0) {
      rows.push([...head, 'not measured', '', '']);
      if (slo.status === 'official') count.unmeasured++;
      continue;
    }
    figures.forEach((f, i) => {
      rows.push([...(i === 0 ? head : ['', '', '']), f.measured, `${f.benchmark}: ${f.how}`, verdict(slo, f)]);
      const met = sloMet(slo, f);
      if (slo.status === 'official' && met !== undefined) count[met ? 'met' : 'notMet']++;
    });
  }
  return {
    title: 'Upstream\'s SLIs and SLOs beside our figures',
    columns: ['SLI', 'status', 'upstream\'s objective', 'Capstan', 'measured by', 'verdict'],
    rows,
    notes: [
      `Against the official SLOs: ${count.met} figure${count.met === 1 ? '' : 's'} met, ${count.notMet} not met; ${count.unmeasured} official SLO${count.unmeasured === 1 ? '' : 's'} not measured here.`,
      `Upstream's SLIs and SLOs: ${SLO_SOURCE}/slos.md and a page per SLI there. "Official" ones are promised; "WIP" ones are drafts, most with no number yet (X, Y). The network programming bound is the one clusterloader2's load test checks (kubernetes/perf-tests, testing/load/modules/measurements.yaml).`,
      'Upstream takes each p99 over 5-minute windows for a cluster-day, in a default installation with churn ≤ 20 per second (pod changes plus user requests); these figures come from runs of seconds to minutes under far more load (closed-loop clients, each sending its next request when the last is answered), on one small machine.',
      'Upstream times an API call inside the API server, from the request\'s arrival to the last byte of the response, without webhooks or priority-and-fairness queueing; ours are the client\'s clock over HTTPS on 127.0.0.1, so they also hold TLS and the clients\' own queueing.',
      'Where a benchmark takes too few samples to resolve a p99, the largest sample stands in for it (the figure says "max of n"): a stricter test than upstream\'s.',
      'The namespace-scope LIST objective was 5 s until April 2022, when upstream raised it to that of cluster scope, 30 s.',
      'Upstream publishes no SLO for scheduling throughput; the scheduler section below has our own goal beside its figures.',
    ],
  };
}

/** The raw limits the benchmarks measured alongside their figures, each beside the figure it bounds. */
export function machineLimitsTable(results: readonly NamedResult[]): BenchTable {
  const rows = results.flatMap((r) => (r.result.limits ?? []).map((l) => [l.limit, l.measured, l.beside ?? '', r.name]));
  return {
    title: 'Machine limits measured in this run',
    columns: ['limit', 'measured', 'beside it', 'benchmark'],
    rows: rows.length > 0 ? rows : [['none measured in this run', '', '', '']],
    notes: [
      'Each limit is the same work done without Capstan in the way, in the same run as the figure beside it: plain INSERTs through the driver, an Express hello-world on the same TLS and clients, a GET straight to the pod IP, Docker making the sandbox and container itself.',
    ],
  };
}

/** The report's first section: our figures against upstream's SLOs, then the machine's limits. */
export const firstSection = (results: readonly NamedResult[]): BenchTable[] => [sloTable(results), machineLimitsTable(results)];

/** One benchmark's part of the report: its result and how long it ran. */
export interface ReportSection extends NamedResult {
  seconds: number;
}

/** bench/REPORT.md: the machine, the section against upstream's SLOs, then each benchmark's tables. */
export function renderReport(opts: { generatedOn: string; machine: string; sections: readonly ReportSection[] }): string {
  return [
    '# Benchmark report',
    '',
    `Generated by \`make bench\` (bench/index.ts) on ${opts.generatedOn}; do not edit by hand.`,
    '',
    `Machine: ${opts.machine}.`,
    '',
    '## Against upstream\'s SLOs',
    '',
    ...firstSection(opts.sections).flatMap((t) => [renderMarkdown(t), '']),
    ...opts.sections.flatMap((s) => [`## ${s.name} (${s.seconds.toFixed(0)} s)`, '', ...s.result.tables.flatMap((t) => [renderMarkdown(t), ''])]),
  ].join('\n');
}
