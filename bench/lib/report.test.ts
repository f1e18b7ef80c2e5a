// The report's first section from made-up module results: no benchmark runs here.
import { describe, expect, it } from 'vitest';
import { machineLimitsTable, renderMarkdown, renderReport, resultOf, sloMet, sloTable, type BenchTable, type NamedResult } from './report.ts';
import { UPSTREAM_SLOS, type SliId } from './slos.ts';

const table = (title: string): BenchTable => ({ title, columns: ['figure', 'value'], rows: [['x', '1']] });

const api: NamedResult = {
  name: 'api',
  result: {
    tables: [table('API server: summary')],
    slos: [
      { sli: 'api-mutating', measured: '95.7 ms p99', ms: 95.7, how: 'configmap create, 50 clients, PostgreSQL' },
      { sli: 'api-mutating', measured: '1,450 ms p99', ms: 1_450, how: 'configmap create, 50 clients, PGlite' },
      { sli: 'api-read-namespace', measured: '108 ms max of 5', ms: 108, how: 'list of 10,000 | rv=""' },
      { sli: 'watch-latency', measured: '139 ms p99', ms: 139, how: 'create sent → event' },
    ],
    limits: [{ limit: 'raw HTTPS: Express hello-world get', measured: '6,137/s', beside: 'PostgreSQL: get 2,602/s (42%)' }],
  },
};
const kubelet: NamedResult = {
  name: 'kubelet',
  result: {
    tables: [table('Kubelet: pod start-up latency')],
    slos: [{ sli: 'pod-startup-stateless', measured: 'n/a p99 (0 pods)', ms: NaN, how: 'waves of 10' }],
    limits: [{ limit: 'Docker engine alone', measured: 'p99 4,000 ms' }],
  },
};
const scheduler: NamedResult = { name: 'scheduler', result: resultOf([table('Scheduler: 5,000 pods')]) };

/** The rows of one SLI: its first row carries the SLI's text, the rest leave it blank. */
function rowsOf(t: BenchTable, id: SliId): string[][] {
  const sli = UPSTREAM_SLOS.find((s) => s.id === id)!.sli;
  const at = t.rows.findIndex((r) => r[0] === sli);
  expect(at).toBeGreaterThanOrEqual(0);
  const out = [t.rows[at]!];
  for (let i = at + 1; i < t.rows.length && t.rows[i]![0] === ''; i++) out.push(t.rows[i]!);
  return out;
}

describe('the catalogue of upstream SLOs', () => {
  it('gives every official SLO a bound, with the published numbers', () => {
    const bound = (id: SliId) => UPSTREAM_SLOS.find((s) => s.id === id)?.boundMs;
    expect(UPSTREAM_SLOS.filter((s) => s.status === 'official').every((s) => s.boundMs !== undefined)).toBe(true);
    expect([bound('api-mutating'), bound('api-read-resource'), bound('api-read-namespace'), bound('api-read-cluster'), bound('pod-startup-stateless')])
      .toEqual([1_000, 1_000, 30_000, 30_000, 5_000]);
    expect(bound('watch-latency')).toBeUndefined();
    expect(new Set(UPSTREAM_SLOS.map((s) => s.id)).size).toBe(UPSTREAM_SLOS.length);
  });
});

describe('the SLO table', () => {
  const t = sloTable([api, kubelet, scheduler]);

  it('lists every upstream SLI once, in the catalogue\'s order, saying which were not measured', () => {
    const headed = t.rows.filter((r) => r[0] !== '').map((r) => r[0]);
    expect(headed).toEqual(UPSTREAM_SLOS.map((s) => s.sli));
    expect(rowsOf(t, 'dns-programming')).toEqual([[expect.any(String), 'WIP', 'p99 ≤ X (unset)', 'not measured', '', '']]);
  });

  it('judges each figure against upstream\'s bound and names the benchmark that measured it', () => {
    const rows = rowsOf(t, 'api-mutating');
    expect(rows.map((r) => [r[1], r[3], r[4], r[5]])).toEqual([
      ['official', '95.7 ms p99', 'api: configmap create, 50 clients, PostgreSQL', 'met'],
      ['', '1,450 ms p99', 'api: configmap create, 50 clients, PGlite', 'NOT MET'],
    ]);
    expect(rowsOf(t, 'api-read-namespace')[0]![5]).toBe('met');
  });

  it('gives no verdict where upstream publishes no number or the run produced none', () => {
    expect(rowsOf(t, 'watch-latency')[0]![5]).toBe('no bound published');
    expect(rowsOf(t, 'pod-startup-stateless')[0]!.slice(3)).toEqual(['n/a p99 (0 pods)', 'kubelet: waves of 10', 'n/a (no figure)']);
    const slo = UPSTREAM_SLOS.find((s) => s.id === 'pod-startup-stateless')!;
    expect(sloMet(slo, { sli: slo.id, measured: '', ms: NaN, how: '' })).toBeUndefined();
    expect(sloMet(slo, { sli: slo.id, measured: '', ms: Infinity, how: '' })).toBe(false);
    expect(sloMet(slo, { sli: slo.id, measured: '', ms: 5_000, how: '' })).toBe(true);
  });

  it('sums up the official SLOs met, missed and not measured', () => {
    // api-mutating: one met, one missed; api-read-namespace: met; the pod start-up figure has no number;
    // api-read-resource and api-read-cluster were not measured.
    expect(t.notes![0]).toBe('Against the official SLOs: 2 figures met, 1 not met; 2 official SLOs not measured here.');
  });
});

describe('the machine limits table', () => {
  it('collects every module\'s limits with the benchmark that measured them', () => {
    expect(machineLimitsTable([api, kubelet, scheduler]).rows).toEqual([
      ['raw HTTPS: Express hello-world get', '6,137/s', 'PostgreSQL: get 2,602/s (42%)', 'api'],
      ['Docker engine alone', 'p99 4,000 ms', '', 'kubelet'],
    ]);
  });

  it('says so when no module measured one', () => {
    expect(machineLimitsTable([scheduler]).rows).toEqual([['none measured in this run', '', '', '']]);
  });
});

describe('the report', () => {
  const report = renderReport({
    generatedOn: '2026-11-23', machine: '2 × test CPU',
    sections: [{ ...api, seconds: 58 }, { ...kubelet, seconds: 120 }, { ...scheduler, seconds: 90 }],
  });

  it('opens with the section against upstream\'s SLOs, its two tables before any benchmark\'s', () => {
    const at = (s: string) => report.indexOf(s);
    expect(at('## Against upstream\'s SLOs')).toBeGreaterThan(at('Machine: 2 × test CPU.'));
    expect(at('### Upstream\'s SLIs and SLOs beside our figures')).toBeGreaterThan(at('## Against upstream\'s SLOs'));
    expect(at('### Machine limits measured in this run')).toBeGreaterThan(at('### Upstream\'s SLIs and SLOs beside our figures'));
    expect(at('## api (58 s)')).toBeGreaterThan(at('### Machine limits measured in this run'));
    expect(at('## scheduler (90 s)')).toBeGreaterThan(at('## kubelet (120 s)'));
    expect(report).toContain('### Scheduler: 5,000 pods');
  });

  it('writes each figure as a Markdown table row, escaping pipes', () => {
    expect(report).toContain('\n|  |  |  | 1,450 ms p99 | api: configmap create, 50 clients, PGlite | NOT MET |\n');
    expect(report).toContain('api: list of 10,000 \\| rv=""');
    expect(renderMarkdown(sloTable([])).split('\n').filter((l) => l.startsWith('| ')).length).toBe(UPSTREAM_SLOS.length + 2);
  });
});
