import pg from 'pg';
import { TestPostgres } from '../test/postgres.ts';
import { PgDriver } from '../storage/drivers/pg.ts';
import { SqlStore } from '../storage/sqlstore.ts';
import { queries } from '../storage/sql/queries.ts';

const server = await TestPostgres.start();
const url = await server.createDatabase('growth');
const store = await SqlStore.open(new PgDriver(url), {});
const c = new pg.Client({ connectionString: url }); await c.connect();
const M = 500;
const obj = (i: number, v: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `o${i}`, namespace: 'ns', labels: { app: 'x' } }, data: { v: String(v), pad: 'x'.repeat(300) } });
type Node = { 'Node Type': string; 'Relation Name'?: string; 'Actual Rows': number; 'Actual Loops': number; 'Rows Removed by Filter'?: number; Plans?: Node[] };
const examined = (n: Node): number => (n['Relation Name'] === 'capstan_log' ? (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0)) * n['Actual Loops'] : 0) + (n.Plans ?? []).reduce((s, p) => s + examined(p), 0);
const shape = (n: Node, d = 0): string => '  '.repeat(d) + n['Node Type'] + (n['Relation Name'] ? ' ' + n['Relation Name'] : '') + ` rows=${n['Actual Rows']} loops=${n['Actual Loops']}\n` + (n.Plans ?? []).map((p) => shape(p, d + 1)).join('');
const explain = async (show = false) => {
  const r = await c.query({ text: 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ' + queries.listCurrent.text, values: ['/registry/configmaps/', '/registry/configmaps0', '', null, (await store.currentRV()).toString()] });
  const plan = (r.rows[0] as any)['QUERY PLAN'][0];
  if (show) console.log(shape(plan.Plan));
  return { examined: examined(plan.Plan), ms: plan['Execution Time'] };
};
for (let i = 0; i < M; i++) await store.create(`/registry/configmaps/ns/o${i}`, obj(i, 0));
await c.query('VACUUM ANALYZE capstan_log, capstan_objects');
console.log('base', await explain(true));
let next = 0;
for (const step of [5000, 15000, 30000, 50000]) {
  let k = 0;
  const per = step - next;
  await Promise.all(Array.from({ length: 16 }, async () => { while (k < per) { const j = k++; const i = (next + j) % M; await store.guaranteedUpdate(`/registry/configmaps/ns/o${i}`, () => obj(i, next + j)); } }));
  next = step;
  await c.query('ANALYZE capstan_log, capstan_objects');
  console.log(step, await explain(true));
}
await c.end(); await store.close(); await server.stop();
