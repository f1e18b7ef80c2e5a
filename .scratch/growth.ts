import pg from 'pg';
import { TestPostgres } from '../test/postgres.ts';
import { PgDriver } from '../storage/drivers/pg.ts';
import { SqlStore } from '../storage/sqlstore.ts';
import { queries } from '../storage/sql/queries.ts';

const server = await TestPostgres.start();
const url = await server.createDatabase('growth');
const store = await SqlStore.open(new PgDriver(url), {});
const c = new pg.Client({ connectionString: url }); await c.connect();
const size = async () => {
  const r = await c.query(`SELECT pg_total_relation_size('capstan_log') + pg_total_relation_size('capstan_objects') AS n, pg_relation_size('capstan_log') AS heap, (SELECT count(*) FROM capstan_log) AS rows`);
  return r.rows[0];
};
const M = 500, N = 20000, ROUNDS = Number(process.argv[2] ?? 1);
const obj = (i: number, v: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `o${i}`, namespace: 'ns', labels: { app: 'x' } }, data: { v: String(v), pad: 'x'.repeat(300) } });
const t0 = Date.now();
await Promise.all(Array.from({ length: 16 }, async (_, w) => { for (let i = w; i < M; i += 16) await store.create(`/registry/configmaps/ns/o${i}`, obj(i, 0)); }));
await c.query('VACUUM ANALYZE capstan_log, capstan_objects');
const base = await size();
const explain = async () => {
  const r = await c.query({ text: 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ' + queries.listCurrent.text, values: ['/registry/configmaps/', '/registry/configmaps0', '', null, (await store.currentRV()).toString()] });
  const plan = (r.rows[0] as any)['QUERY PLAN'][0];
  return { blocks: plan.Plan['Shared Hit Blocks'] + plan.Plan['Shared Read Blocks'], ms: plan['Execution Time'] };
};
const e0 = await explain();
console.log('base', base, e0);
let next = 0;
for (let r = 0; r < ROUNDS; r++) {
  const per = N / ROUNDS;
  let k = 0;
  await Promise.all(Array.from({ length: 16 }, async () => { while (k < per) { const j = k++; const i = (next + j) % M; await store.guaranteedUpdate(`/registry/configmaps/ns/o${i}`, (cur) => obj(i, next + j)); } }));
  next += per;
  if (ROUNDS > 1) { await store.compact(await store.currentRV()); await c.query('VACUUM capstan_log, capstan_objects'); }
}
console.log('churned', await size(), await explain(), (Date.now() - t0) / 1000);
const tc = Date.now();
await store.compact(await store.currentRV());
console.log('compact ms', Date.now() - tc);
await c.query('VACUUM capstan_log, capstan_objects');
console.log('after vacuum', await size(), await explain());
await c.query('VACUUM ANALYZE capstan_log, capstan_objects');
console.log('after analyze', await size(), await explain());
await c.end(); await store.close(); await server.stop();
