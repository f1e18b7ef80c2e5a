// Layers import downward only (DESIGN.md): machinery ← storage ← server; machinery ← client ←
// controllers | scheduler | kubelet | proxy. Nothing outside server/ (and tests, benchmarks and
// the CLI that wires it) may import storage/.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try { entries = readdirSync(dir); } catch { return out; }
  for (const e of entries) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.ts$/.test(e) && !/\.test\.ts$/.test(e) && !/\.suite\.ts$/.test(e)) out.push(p);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)];
  return specs.map((m) => m[1] ?? m[2]!).filter((s) => s.startsWith('.')).map((s) => path.relative(root, path.resolve(path.dirname(file), s)));
}

const layerOf = (rel: string) => rel.split(path.sep)[0]!;

// What each top-level directory may import from the project.
const allowed: Record<string, string[]> = {
  machinery: ['machinery'],
  storage: ['machinery', 'storage'],
  server: ['machinery', 'storage', 'server'],
  client: ['machinery', 'client'],
  controllers: ['machinery', 'client', 'controllers'],
  scheduler: ['machinery', 'client', 'scheduler'],
  kubelet: ['machinery', 'client', 'kubelet'],
  proxy: ['machinery', 'client', 'proxy'],
};

describe('layer boundaries', () => {
  for (const [layer, may] of Object.entries(allowed)) {
    it(`${layer}/ imports only ${may.join(', ')}`, () => {
      const bad: string[] = [];
      for (const file of sources(path.join(root, layer))) {
        for (const imp of importsOf(file)) {
          if (!may.includes(layerOf(imp))) bad.push(`${path.relative(root, file)} → ${imp}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it('finds the imports it checks (the check itself works)', () => {
    const imps = importsOf(path.join(root, 'storage', 'sqlstore.ts'));
    expect(imps).toContain(path.join('storage', 'store.ts'));
  });
});
