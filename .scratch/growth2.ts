import pg from 'pg';
import { TestPostgres } from '../test/postgres.ts';
import { PgDriver } from '../storage/drivers/pg.ts';
import { SqlStore } from '../storage/sqlstore.ts';
import { queries } from '../storage/sql/queries.ts';

const server = await TestPostgres.start();
const url = await server.createDatabase('growth');
const store = await SqlStore.open(new PgDriver(url), {});
const c = new pg.Client({ connectionString: url }); await c.connect();
const size = async () => Number((await c.query(`SELECT pg_total_relation_size('capstan_log') + pg_total_relation_size('capstan_objects') AS n`)).rows[0].n);
const M = 500, ROUNDS = 20, PER = 1000;
const obj = (i: number, v: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `o${i}`, namespace: 'ns', labels: { app: 'x' } }, data: { v: String(v), pad: 'x'.repeat(300) } });
type Node = { 'Relation Name'?: string; 'Actual Rows': number; 'Actual Loops': number; 'Rows Removed by Filter'?: number; Plans?: Node[] };
const examined = (n: Node): number => (n['Relation Name'] === 'capstan_log' ? (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0)) * n['Actual Loops'] : 0) + (n.Plans ?? []).reduce((s, p) => s + examined(p), 0);
const explain = async () => {
  const r = await c.query({ text: 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ' + queries.listCurrent.text, values: ['/registry/configmaps/', '/registry/configmaps0', '', null, (await store.currentRV()).toString()] });
  const plan = (r.rows[0] as any)['QUERY PLAN'][0];
  return { examined: examined(plan.Plan), ms: plan['Execution Time'] };
};
const t0 = Date.now();
for (let i = 0; i < M; i++) await store.create(`/registry/configmaps/ns/o${i}`, obj(i, 0));
await c.query('VACUUM ANALYZE capstan_log, capstan_objects');
const base = await size();
console.log('base', base, await explain(), Date.now() - t0);
let next = 0; let max = 0;
for (let r = 0; r < ROUNDS; r++) {
  let k = 0;
  await Promise.all(Array.from({ length: 16 }, async () => { while (k < PER) { const j = k++; const i = (next + j) % M; await store.guaranteedUpdate(`/registry/configmaps/ns/o${i}`, () => obj(i, next + j)); } }));
  next += PER;
  await store.compact(await store.currentRV()); await c.query('VACUUM capstan_log, capstan_objects');
  const s = await size(); max = Math.max(max, s);
  if (r % 5 === 4) console.log('round', r, s, (s / base).toFixed(2), await explain());
}
console.log('max', max, (max / base).toFixed(2), Date.now() - t0);
process.exit(0);
let k = 0;
await Promise.all(Array.from({ length: 16 }, async () => { while (k < 5000) { const j = k++; const i = (next + j) % M; await store.guaranteedUpdate(`/registry/configmaps/ns/o${i}`, () => obj(i, next + j)); } }));
console.log('burst noanalyze', await explain());
await c.query('ANALYZE capstan_log, capstan_objects');
console.log('burst analyze', await explain(), Date.now() - t0);
await c.end(); await store.close(); await server.stop();
