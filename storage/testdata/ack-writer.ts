// A child process for storage/durability.test.ts: writes a stream of objects through SqlStore
// and prints each acknowledged write to stdout, so the test can kill it (or the database) at any
// point and then check that everything acknowledged survived. Writes to a pipe are synchronous
// on Linux, so a line is in the pipe before the next write starts.
//   C <key> <rv> <i>    a create of a new key, its data.i = i
//   U <key> <rv> <seq>  an update of the writer's own key, its data.seq = seq
// Usage: node --import tsx storage/testdata/ack-writer.ts <database-url> [writers]
import { PgDriver } from '../drivers/pg.ts';
import { SqlStore } from '../sqlstore.ts';
import type { StoredObject } from '../store.ts';

const [url, writersArg] = process.argv.slice(2);
if (!url) throw new Error('usage: ack-writer.ts <database-url> [writers]');
const writers = Number(writersArg ?? 8);

const cm = (name: string, data: Record<string, string>): StoredObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'd' }, data });

const store = await SqlStore.open(new PgDriver(url), { holeTimeoutMs: 200 });
process.stdout.write('READY\n');

let n = 0;
await Promise.all(Array.from({ length: writers }, async (_, w) => {
  let seq = 0;
  for (;;) {
    const i = n++;
    try {
      if (i % 2 === 0) {
        const key = `/registry/configmaps/d/c${i}`;
        const s = await store.create(key, cm(`c${i}`, { i: String(i) }));
        process.stdout.write(`C ${key} ${s.rv} ${i}\n`);
      } else {
        const key = `/registry/configmaps/d/u${w}`;
        const next = ++seq; // an unacknowledged update may or may not have landed; seq only grows
        const s = await store.guaranteedUpdate(key, () => cm(`u${w}`, { seq: String(next) }), { ignoreNotFound: true });
        process.stdout.write(`U ${key} ${s.rv} ${next}\n`);
      }
    } catch (e) {
      // Not acknowledged (the database is away); carry on with the next write.
      process.stderr.write(`write ${i}: ${(e as Error).message}\n`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}));
