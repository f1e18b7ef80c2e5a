// The store's figures on both backends in one run (PGlite in memory; a throwaway PostgreSQL with
// fsync on), next to the machine's own limits measured the same way straight through the driver:
// what a plain INSERT of the same size costs (as the driver's plain query, and as a prepared
// statement, which is how the store sends its own), and an INSERT with pg_notify in its transaction.
// Goals: store writes >= 70% of the raw plain-INSERT rate at 16 writers; watch p99 <= 20 ms;
// 1,000 watchers with zero loss. Figures only: nothing here asserts.
import { setMaxListeners } from 'node:events';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { PgDriver } from '../storage/drivers/pg.ts';
import { PgliteDriver } from '../storage/drivers/pglite.ts';
import { SqlStore, type SqlStoreOptions } from '../storage/sqlstore.ts';
import { queries, type NamedQuery } from '../storage/sql/queries.ts';
import { schema } from '../storage/sql/schema.ts';
import type { StoredObject } from '../storage/store.ts';
import { TestPostgres } from '../test/postgres.ts';
import { fmt, percentile, type BenchResult, type BenchTable, type MachineLimit, type SloFigure } from './lib/report.ts';

const WRITE_MS = 2_000;
const ROUNDS = 3;
const ROUND_MS = 1_000;
const WARMUP_MS = 300;
const GETS = 3_000;
const LIST_OBJECTS = 10_000;
const LATENCY_SAMPLES = 300;
const WATCHERS = 1_000;
const FANOUT_EVENTS = 1_000;
const PAYLOAD = 'x'.repeat(900);

// The raw baseline's statements: the machine's limit, not the store's SQL (storage/sql/ has that).
const RAW = {
  setup: `CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, v text NOT NULL)`,
  insert: `INSERT INTO bench_raw (v) VALUES ($1)`,
  insertNotify: `WITH i AS (INSERT INTO bench_raw (v) VALUES ($1) RETURNING id) SELECT pg_notify('bench_raw', '') FROM i`,
};

/** A ConfigMap whose stored JSON is about 1 KB. */
const object1k = (name: string): StoredObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'bench', uid: name.padStart(36, '0') }, data: { payload: PAYLOAD },
});
const row1k = 'r'.repeat(1_024);

type Query = (text: string, values: unknown[]) => Promise<unknown>;
/** A statement prepared once by name and run many times, as the store runs its own. */
type Prepared = (q: NamedQuery, values: unknown[]) => Promise<unknown>;

interface Backend {
  name: string;
  open(opts?: SqlStoreOptions): Promise<SqlStore>;
  /** A store on a database of its own that sends every write as its own statement (no batching). */
  openUnbatched(): Promise<SqlStore>;
  /** A second store on the same database, as another process would have (shared backends only). */
  openPeer?(opts?: SqlStoreOptions): Promise<SqlStore>;
  /** `n` raw connections to a fresh database on the same server. */
  raw(n: number): Promise<{ clients: Query[]; prepared: Prepared[]; close(): Promise<void> }>;
  close(): Promise<void>;
}

async function pgliteBackend(): Promise<Backend> {
  return {
    name: 'PGlite (in memory)',
    open: async (opts = {}) => SqlStore.open(await PgliteDriver.open(), opts),
    openUnbatched: async () => SqlStore.open(await PgliteDriver.open(undefined, { maxWritesInFlight: 1_000 })),
    async raw() {
      // One embedded database serves every "client": PGlite runs one statement at a time. Its
      // query() parses and plans each statement anew; prepared statements go through a driver
      // as the store's (its own database: a driver owns its PGlite).
      const db = await PGlite.create();
      await db.exec(RAW.setup);
      const q: Query = (text, values) => db.query(text, values);
      const driver = await PgliteDriver.open();
      await driver.exec(RAW.setup);
      await driver.exec(schema);
      const p: Prepared = (pq, values) => driver.query(pq, values);
      return {
        clients: Array.from({ length: 16 }, () => q),
        prepared: Array.from({ length: 16 }, () => p),
        close: async () => { await db.close(); await driver.close(); },
      };
    },
    async close() {},
  };
}

async function postgresBackend(): Promise<Backend> {
  const server = await TestPostgres.start({ fsync: true });
  let url: string | undefined;
  return {
    name: 'PostgreSQL (fsync on)',
    async open(opts = {}) {
      url = await server.createDatabase('bench');
      return SqlStore.open(new PgDriver(url), opts);
    },
    async openPeer(opts = {}) {
      if (!url) throw new Error('open() first');
      return SqlStore.open(new PgDriver(url), opts);
    },
    async openUnbatched() {
      return SqlStore.open(new PgDriver(await server.createDatabase('bench_single'), { maxWritesInFlight: 1_000 }));
    },
    async raw(n) {
      const rawUrl = await server.createDatabase('bench_raw');
      const clients = await Promise.all(Array.from({ length: n }, async () => {
        const c = new pg.Client({ connectionString: rawUrl });
        await c.connect();
        return c;
      }));
      await clients[0]!.query(RAW.setup);
      await clients[0]!.query(schema);
      return {
        clients: clients.map((c) => (text: string, values: unknown[]) => c.query(text, values)),
        prepared: clients.map((c) => (q: NamedQuery, values: unknown[]) => c.query({ name: q.name, text: q.text, values })),
        close: async () => { await Promise.all(clients.map((c) => c.end())); },
      };
    },
    close: () => server.stop(),
  };
}

/** Runs `workers` loops of `op` for `ms`; returns operations per second. */
async function rate(workers: number, ms: number, op: (worker: number, i: number) => Promise<unknown>): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    while (performance.now() < end) await op(w, n++);
  }));
  return n / ((performance.now() - t0) / 1_000);
}

const sortNum = (xs: number[]) => [...xs].sort((a, b) => a - b);

/** Commit-to-delivery latency: from a write's acknowledgement to its event leaving the watch. */
async function watchLatency(writer: SqlStore, reader: SqlStore, prefix: string): Promise<number[]> {
  const ac = new AbortController();
  const delivered = new Map<bigint, number>();
  const waiting = new Map<bigint, () => void>();
  const from = await writer.currentRV();
  const watching = (async () => {
    for await (const ev of reader.watch(prefix, from, { signal: ac.signal })) {
      delivered.set(ev.rv, performance.now());
      waiting.get(ev.rv)?.();
    }
  })().catch(() => {});
  const out: number[] = [];
  let undelivered = 0;
  for (let i = 0; i < LATENCY_SAMPLES && undelivered < 3; i++) {
    const w = await writer.create(`${prefix}l${i}`, object1k(`l${i}`));
    const acked = performance.now();
    if (!delivered.has(w.rv)) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 5_000);
        waiting.set(w.rv, () => { clearTimeout(t); resolve(); });
      });
    }
    // An event not delivered within 5 s counts as infinitely late (and three end the run).
    if (!delivered.has(w.rv)) undelivered++;
    out.push(Math.max(0, (delivered.get(w.rv) ?? Infinity) - acked));
  }
  ac.abort();
  await watching;
  return out;
}

interface Fanout { eventsPerSec: number; lost: number; failed: number }

/** WATCHERS watchers on one prefix, FANOUT_EVENTS writes from 16 writers: every watcher must get every event. */
async function fanout(store: SqlStore, prefix: string): Promise<Fanout> {
  const ac = new AbortController();
  setMaxListeners(WATCHERS + 10, ac.signal); // every watcher waits on this one signal
  const from = await store.currentRV();
  const got: bigint[][] = Array.from({ length: WATCHERS }, () => []);
  let failed = 0;
  let lastDelivery = 0;
  const watchers = got.map(async (rvs) => {
    try {
      for await (const ev of store.watch(prefix, from, { signal: ac.signal })) {
        rvs.push(ev.rv);
        if (rvs.length === FANOUT_EVENTS) { lastDelivery = Math.max(lastDelivery, performance.now()); break; }
      }
    } catch { failed++; }
  });
  await new Promise((r) => setTimeout(r, 100)); // every watcher live
  const acked: bigint[] = [];
  const t0 = performance.now();
  let n = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (n < FANOUT_EVENTS) {
      const i = n++;
      acked.push((await store.create(`${prefix}f${i}`, object1k(`f${i}`))).rv);
    }
  }));
  const timeout = setTimeout(() => ac.abort(), 60_000);
  await Promise.all(watchers);
  clearTimeout(timeout);
  ac.abort();
  const want = acked.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let lost = 0;
  for (const rvs of got) {
    if (rvs.length !== want.length || rvs.some((rv, i) => rv !== want[i])) lost++;
  }
  const complete = WATCHERS - lost;
  return { eventsPerSec: (complete * FANOUT_EVENTS) / ((lastDelivery - t0) / 1_000), lost, failed };
}

interface Figures {
  write1: number;
  write16: number;
  write16Unbatched: number;
  getP50: number;
  getP99: number;
  listMs: number;
  watchP50: number;
  watchP99: number;
  notifyP50: number;
  notifyP99: number;
  fanout: Fanout;
  rawInsert16: number;
  rawInsertPrepared16: number;
  rawInsertNotify16: number;
  rawCreate16: number;
  /** Ratios of the 16-writer rates, each the median of the per-round ratios (a round's figures share its load). */
  ratio: {
    storeToInsert: number; storeToPrepared: number; storeToNotify: number;
    unbatchedToInsert: number; unbatchedToCreate: number;
  };
}

const median = (xs: number[]) => sortNum(xs)[Math.floor(xs.length / 2)]!;

const rawInsert: NamedQuery = { name: 'bench_insert', text: RAW.insert };

async function measure(b: Backend, log: (line: string) => void): Promise<Figures> {
  const store = await b.open();
  const unbatched = await b.openUnbatched();
  const raw = await b.raw(16);
  // Closed once the write rates are taken, so the rest runs beside the store alone, as it did.
  let others: Promise<void> | undefined;
  const closeOthers = () => (others ??= Promise.all([raw.close(), unbatched.close()]).then(() => {}));
  const f = {} as Figures;
  try {
    await rate(16, WARMUP_MS, (_, i) => store.create(`/registry/configmaps/warm/o${i}`, object1k(`o${i}`)));
    await rate(16, WARMUP_MS, (_, i) => unbatched.create(`/registry/configmaps/warm/o${i}`, object1k(`o${i}`)));
    await rate(16, WARMUP_MS, (w) => raw.clients[w]!(RAW.insert, [row1k]));
    await rate(16, WARMUP_MS, (w) => raw.prepared[w]!(rawInsert, [row1k]));
    f.write1 = await rate(1, WRITE_MS, (_, i) => store.create(`/registry/configmaps/w1/o${i}`, object1k(`o${i}`)));
    log(`${b.name}: writes, 1 writer: ${fmt.rate(f.write1)}`);

    // The store and the raw baselines in alternating rounds, so load from anything else on the
    // machine falls on all of them alike; medians of the rounds.
    const runs = {
      store: [] as number[], unbatched: [] as number[], insert: [] as number[], insertPrepared: [] as number[],
      insertNotify: [] as number[], createSql: [] as number[],
    };
    let k = 0;
    for (let round = 0; round < ROUNDS; round++) {
      runs.store.push(await rate(16, ROUND_MS, () => { const i = k++; return store.create(`/registry/configmaps/w16/o${i}`, object1k(`o${i}`)); }));
      runs.insert.push(await rate(16, ROUND_MS, (w) => raw.clients[w]!(RAW.insert, [row1k])));
      runs.unbatched.push(await rate(16, ROUND_MS, () => { const i = k++; return unbatched.create(`/registry/configmaps/w16/o${i}`, object1k(`o${i}`)); }));
      runs.insertPrepared.push(await rate(16, ROUND_MS, (w) => raw.prepared[w]!(rawInsert, [row1k])));
      runs.insertNotify.push(await rate(16, ROUND_MS, (w) => raw.clients[w]!(RAW.insertNotify, [row1k])));
      runs.createSql.push(await rate(16, ROUND_MS, (w, i) => raw.prepared[w]!(queries.create, [`/registry/configmaps/raw/r${round}-${i}`, JSON.stringify(object1k(`r${i}`))])));
    }
    f.write16 = median(runs.store);
    f.write16Unbatched = median(runs.unbatched);
    f.rawInsert16 = median(runs.insert);
    f.rawInsertPrepared16 = median(runs.insertPrepared);
    f.rawInsertNotify16 = median(runs.insertNotify);
    f.rawCreate16 = median(runs.createSql);
    const ratio = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]!));
    f.ratio = {
      storeToInsert: ratio(runs.store, runs.insert),
      storeToPrepared: ratio(runs.store, runs.insertPrepared),
      storeToNotify: ratio(runs.store, runs.insertNotify),
      unbatchedToInsert: ratio(runs.unbatched, runs.insert),
      unbatchedToCreate: ratio(runs.unbatched, runs.createSql),
    };
    log(`${b.name}: writes, 16 writers: ${fmt.rate(f.write16)} (rounds ${runs.store.map(fmt.rate).join(', ')})`);
    log(`${b.name}: writes, 16 writers, one write per statement: ${fmt.rate(f.write16Unbatched)} (rounds ${runs.unbatched.map(fmt.rate).join(', ')})`);
    log(`${b.name}: raw INSERT, 16 clients: ${fmt.rate(f.rawInsert16)} (rounds ${runs.insert.map(fmt.rate).join(', ')})`);
    log(`${b.name}: raw INSERT prepared, 16 clients: ${fmt.rate(f.rawInsertPrepared16)} (rounds ${runs.insertPrepared.map(fmt.rate).join(', ')})`);
    log(`${b.name}: raw INSERT + pg_notify, 16 clients: ${fmt.rate(f.rawInsertNotify16)}`);
    log(`${b.name}: the store's create statement, 16 raw clients: ${fmt.rate(f.rawCreate16)}`);
    await closeOthers();

    const keys = (await store.list('/registry/configmaps/w16/', { limit: 5_000 })).items.map((i) => i.key);
    const gets: number[] = [];
    for (let i = 0; i < GETS; i++) {
      const t = performance.now();
      await store.get(keys[(i * 7919) % keys.length]!);
      gets.push(performance.now() - t);
    }
    const g = sortNum(gets);
    f.getP50 = percentile(g, 50);
    f.getP99 = percentile(g, 99);
    log(`${b.name}: get p50 ${fmt.ms(f.getP50)}, p99 ${fmt.ms(f.getP99)}`);

    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < LIST_OBJECTS) { const i = next++; await store.create(`/registry/configmaps/list/o${i}`, object1k(`o${i}`)); }
    }));
    const lists: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const l = await store.list('/registry/configmaps/list/');
      lists.push(performance.now() - t);
      if (l.items.length !== LIST_OBJECTS) log(`${b.name}: FAILURE: listed ${l.items.length} of ${LIST_OBJECTS}`);
    }
    f.listMs = median(lists);
    log(`${b.name}: list of ${LIST_OBJECTS}: ${fmt.ms(f.listMs)}`);

    const lat = sortNum(await watchLatency(store, store, '/registry/configmaps/lat/'));
    f.watchP50 = percentile(lat, 50);
    f.watchP99 = percentile(lat, 99);
    log(`${b.name}: watch latency, same process: p50 ${fmt.ms(f.watchP50)}, p99 ${fmt.ms(f.watchP99)}`);
    f.notifyP50 = NaN;
    f.notifyP99 = NaN;
    if (b.openPeer) {
      // The peer polls once a minute: only NOTIFY can deliver in time.
      const peer = await b.openPeer({ pollIntervalMs: 60_000 });
      try {
        const nl = sortNum(await watchLatency(store, peer, '/registry/configmaps/notify/'));
        f.notifyP50 = percentile(nl, 50);
        f.notifyP99 = percentile(nl, 99);
        log(`${b.name}: watch latency, across two stores (NOTIFY): p50 ${fmt.ms(f.notifyP50)}, p99 ${fmt.ms(f.notifyP99)}`);
      } finally {
        await peer.close();
      }
    }

    f.fanout = await fanout(store, '/registry/configmaps/fanout/');
    log(`${b.name}: fan-out to ${WATCHERS} watchers: ${fmt.rate(f.fanout.eventsPerSec)} events delivered, ${f.fanout.lost} watchers incomplete${f.fanout.lost ? ' FAILURE' : ''}`);
  } finally {
    await closeOthers();
    await store.close();
  }
  return f;
}

export async function run(log: (line: string) => void): Promise<BenchResult> {
  const results: { name: string; f: Figures }[] = [];
  for (const make of [pgliteBackend, postgresBackend]) {
    const b = await make();
    try {
      results.push({ name: b.name, f: await measure(b, log) });
    } finally {
      await b.close();
    }
  }
  const col = (pick: (f: Figures) => string) => results.map((r) => pick(r.f));
  const figures: BenchTable = {
    title: 'Store figures (1 KB objects)',
    columns: ['measurement', ...results.map((r) => r.name)],
    rows: [
      ['store writes/s, 1 writer', ...col((f) => fmt.rate(f.write1))],
      ['store writes/s, 16 writers', ...col((f) => fmt.rate(f.write16))],
      ['store writes/s, 16 writers, one write per statement (no batching)', ...col((f) => fmt.rate(f.write16Unbatched))],
      ['get p50 / p99', ...col((f) => `${fmt.ms(f.getP50)} / ${fmt.ms(f.getP99)}`)],
      [`list of ${LIST_OBJECTS.toLocaleString('en-US')} objects`, ...col((f) => fmt.ms(f.listMs))],
      ['watch latency p50 / p99, same process', ...col((f) => `${fmt.ms(f.watchP50)} / ${fmt.ms(f.watchP99)}`)],
      ['watch latency p50 / p99, two stores (NOTIFY)', ...col((f) => (Number.isNaN(f.notifyP50) ? 'n/a (one process)' : `${fmt.ms(f.notifyP50)} / ${fmt.ms(f.notifyP99)}`))],
      [`fan-out to ${WATCHERS.toLocaleString('en-US')} watchers, events delivered/s`, ...col((f) => fmt.rate(f.fanout.eventsPerSec))],
      [`fan-out loss check (${FANOUT_EVENTS.toLocaleString('en-US')} events each)`, ...col((f) => (f.fanout.lost === 0 ? 'zero loss' : `FAILURE: ${f.fanout.lost} watchers incomplete (${f.fanout.failed} ended with an error)`))],
      ['raw INSERT 1 KB row/s, 16 clients', ...col((f) => fmt.rate(f.rawInsert16))],
      ['raw INSERT 1 KB row/s, 16 clients, prepared statement', ...col((f) => fmt.rate(f.rawInsertPrepared16))],
      ['raw INSERT + pg_notify/s, 16 clients', ...col((f) => fmt.rate(f.rawInsertNotify16))],
      ['the store\'s create statement through 16 raw clients', ...col((f) => fmt.rate(f.rawCreate16))],
    ],
    notes: [
      'Writes are creates of new keys; "raw" is the same server driven straight through the driver (one embedded instance for PGlite, 16 connections for PostgreSQL), one autocommitted statement per row, as the driver\'s plain query (parsed and planned each time) or as a prepared statement. The 16-writer store and raw rates are medians of 3 alternating 1 s rounds, so other load on the machine falls on all of them alike; the Goals table\'s ratios are medians of the ratios within each round.',
      'The store keeps a few write statements in flight (2 on PostgreSQL, 1 on PGlite) and sends the writes that queue behind them together, one statement and one commit for several (storage/batcher.ts); "one write per statement" is the same store with that off.',
      '"The store\'s create statement through raw clients" is capstan_create (two tables, RV sequence), prepared, without the store around it: the gap to the prepared plain INSERT is the schema\'s cost, the gap from it to the store writing one write per statement is the store\'s own.',
      'Watch latency runs from the write\'s acknowledgement to the event leaving the watch iterator, one write at a time; "two stores" watches on a second SqlStore whose only doorbell is NOTIFY (its poll is a minute).',
      `Fan-out: ${WATCHERS.toLocaleString('en-US')} watchers on one store, ${FANOUT_EVENTS.toLocaleString('en-US')} creates from 16 writers; events/s counts every delivery to every watcher, from the first write to the last delivery.`,
    ],
  };
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');
  const goals: BenchTable = {
    title: 'Goals',
    columns: ['goal', ...results.map((r) => r.name)],
    rows: [
      ['store writes >= 70% of raw plain INSERT, 16 writers', ...col((f) => `${fmt.pct(f.ratio.storeToInsert)} (${verdict(f.ratio.storeToInsert >= 0.7)})`)],
      ['store writes vs raw INSERT as a prepared statement, 16 writers', ...col((f) => fmt.pct(f.ratio.storeToPrepared))],
      ['store writes, one write per statement, vs raw plain INSERT', ...col((f) => fmt.pct(f.ratio.unbatchedToInsert))],
      ['store writes, one write per statement, vs its own create statement driven raw', ...col((f) => fmt.pct(f.ratio.unbatchedToCreate))],
      ['store writes vs raw INSERT + pg_notify, 16 writers', ...col((f) => fmt.pct(f.ratio.storeToNotify))],
      ['watch p99 <= 20 ms, same process', ...col((f) => `${fmt.ms(f.watchP99)} (${verdict(f.watchP99 <= 20)})`)],
      ['watch p99 <= 20 ms, two stores (NOTIFY)', ...col((f) => (Number.isNaN(f.notifyP99) ? 'n/a' : `${fmt.ms(f.notifyP99)} (${verdict(f.notifyP99 <= 20)})`))],
      [`${WATCHERS.toLocaleString('en-US')} watchers, zero loss`, ...col((f) => (f.fanout.lost === 0 ? 'met' : 'FAILURE'))],
    ],
  };
  // What the report's first section sets beside upstream's watch latency SLI and the machine's limits.
  const slos = results.flatMap((r): SloFigure[] => [
    { sli: 'watch-latency', measured: `${fmt.ms(r.f.watchP99)} p99`, ms: r.f.watchP99, how: `store watch, write acknowledged → event out of the watch iterator, same process, ${r.name}` },
    ...(Number.isNaN(r.f.notifyP99) ? [] : [{
      sli: 'watch-latency' as const, measured: `${fmt.ms(r.f.notifyP99)} p99`, ms: r.f.notifyP99,
      how: `store watch, write acknowledged → event out of a second store's watch (NOTIFY), ${r.name}`,
    }]),
  ]);
  const limits = results.flatMap((r): MachineLimit[] => [
    {
      limit: `raw INSERT of 1 KB rows, 16 clients, ${r.name}`, measured: fmt.rate(r.f.rawInsert16),
      beside: `store writes, 16 writers: ${fmt.rate(r.f.write16)} (${fmt.pct(r.f.ratio.storeToInsert)})`,
    },
    {
      limit: `raw INSERT of 1 KB rows as a prepared statement, 16 clients, ${r.name}`, measured: fmt.rate(r.f.rawInsertPrepared16),
      beside: `store writes, 16 writers: ${fmt.rate(r.f.write16)} (${fmt.pct(r.f.ratio.storeToPrepared)})`,
    },
    {
      limit: `raw INSERT + pg_notify, 16 clients, ${r.name}`, measured: fmt.rate(r.f.rawInsertNotify16),
      beside: `store writes, 16 writers: ${fmt.rate(r.f.write16)} (${fmt.pct(r.f.ratio.storeToNotify)})`,
    },
  ]);
  return { tables: [figures, goals], slos, limits };
}
