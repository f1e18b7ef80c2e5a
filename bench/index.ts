// `make bench`: runs every bench/<name>.ts module's exported run() in turn, prints its figures,
// and writes them all to bench/REPORT.md (generated: edit the benchmarks, not the report). The
// report opens with the figures that map onto upstream's SLOs and the machine's limits measured in
// the same run, gathered from what the modules hand back. `make bench ARGS=storage` runs only the
// modules named (and prints that first section for them, leaving the report as it was).
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { firstSection, renderReport, renderText, resultOf, type BenchModule, type ReportSection } from './lib/report.ts';

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3))
  .filter((n) => only.length === 0 || only.includes(n))
  .sort();

const log = (line: string) => process.stderr.write(`  ${line}\n`);
// Other work on the machine skews every figure; the report says how busy it was.
const loadAtStart = loadavg()[0]!;
const sections: ReportSection[] = [];
for (const name of names) {
  const mod = (await import(pathToFileURL(path.join(dir, `${name}.ts`)).href)) as Partial<BenchModule>;
  if (typeof mod.run !== 'function') continue;
  process.stderr.write(`bench ${name}\n`);
  const t0 = performance.now();
  // One benchmark that cannot run (no Docker, say) costs its own section, not the report.
  const result = await mod.run(log).then(resultOf, (e: unknown) => {
    process.stderr.write(`bench ${name} failed: ${(e as Error)?.stack ?? String(e)}\n`);
    return resultOf([{ title: `${name}: did not run`, columns: ['error'], rows: [[(e as Error)?.message ?? String(e)]] }]);
  });
  const seconds = (performance.now() - t0) / 1_000;
  sections.push({ name, seconds, result });
  for (const t of result.tables) process.stdout.write(`\n${renderText(t)}\n`);
  process.stdout.write(`\n(bench ${name}: ${seconds.toFixed(0)} s)\n`);
}

for (const t of firstSection(sections)) process.stdout.write(`\n${renderText(t)}\n`);

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}; load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end`;
const report = renderReport({ generatedOn: new Date().toISOString().slice(0, 10), machine, sections });
if (only.length === 0) writeFileSync(path.join(dir, 'REPORT.md'), report);
else process.stderr.write('bench: a partial run; bench/REPORT.md left as it was\n');
