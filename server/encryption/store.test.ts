// Encryption at rest end to end: objects written through the API land in PostgreSQL as
// `k8s:enc:…` envelopes (read here straight from the table), come back in the clear through
// the API (get, list with selectors and pages, watch), and follow a key rotation.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { openStore, type SqlStore } from '../../storage/index.ts';
import { createDatabaseAt } from '../../test/postgres.ts';
import { startApiServer, type RunningApiServer } from '../index.ts';
import { buildEncryptionConfig } from './config.ts';
import { EncryptingStore } from './store.ts';

const TOKEN = 'encryption-test-token';
const KEY1 = Buffer.alloc(32, 0x11).toString('base64');
const KEY2 = Buffer.alloc(32, 0x22).toString('base64');
const SB = Buffer.alloc(32, 0x33).toString('base64');
const GCM = Buffer.alloc(16, 0x44).toString('base64');
const PLAIN = Buffer.from('hunter2-plaintext').toString('base64');

let databaseUrl: string;
let store: SqlStore;
let db: pg.Client;

beforeAll(async () => {
  databaseUrl = await createDatabaseAt(inject('pgAdminUrl'));
  store = await openStore({ databaseUrl });
  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
});

afterAll(async () => {
  await db?.end();
  await store?.close();
});

function configWith(secretKeys: Array<{ name: string; secret: string }>) {
  return buildEncryptionConfig({
    kind: 'EncryptionConfiguration', apiVersion: 'apiserver.config.k8s.io/v1',
    resources: [
      { resources: ['secrets'], providers: [{ aescbc: { keys: secretKeys } }, { identity: {} }] },
      { resources: ['configmaps'], providers: [{ aesgcm: { keys: [{ name: 'g1', secret: GCM }] } }] },
      { resources: ['leases.coordination.k8s.io'], providers: [{ secretbox: { keys: [{ name: 'sb1', secret: SB }] } }] },
    ],
  });
}

async function serve(secretKeys: Array<{ name: string; secret: string }>): Promise<RunningApiServer> {
  return startApiServer({
    store: new EncryptingStore(store, configWith(secretKeys)), port: 0, log: () => {},
    tokens: [{ token: TOKEN, user: { name: 'admin', groups: ['system:masters'] } }],
  });
}

async function call(srv: RunningApiServer, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(srv.url + path, {
    method, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

/** The current value of a key, exactly as PostgreSQL holds it. */
async function rawRow(key: string): Promise<string> {
  const { rows } = await db.query('SELECT l.value FROM capstan_objects o JOIN capstan_log l ON l.rv = o.rv WHERE o.key = $1', [key]);
  expect(rows).toHaveLength(1);
  return rows[0].value as string;
}

const secret = (name: string, labels: Record<string, string> = {}) =>
  ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, labels }, data: { password: PLAIN } });

describe('secrets encrypted at rest', () => {
  it('stores a Secret as a k8s:enc:aescbc:v1:key1: envelope, reads it back in the clear, and rotates keys', async () => {
    const first = await serve([{ name: 'key1', secret: KEY1 }]);
    try {
      expect((await call(first, 'POST', '/api/v1/namespaces/default/secrets', secret('s1', { app: 'a' }))).status).toBe(201);
      const raw = await rawRow('/registry/core/secrets/default/s1');
      expect(raw.startsWith('"k8s:enc:aescbc:v1:key1:')).toBe(true);
      expect(raw).not.toContain(PLAIN);
      // Nothing of the object in clear: no JSON member names (base64 has no quotes; a short name like s1 may occur in it by chance).
      expect(raw).not.toContain('"name"');
      expect(raw).not.toContain('"metadata"');
      const got = await call(first, 'GET', '/api/v1/namespaces/default/secrets/s1');
      expect(got.status).toBe(200);
      expect(got.json.data.password).toBe(PLAIN);
      expect(got.json.metadata.resourceVersion).toMatch(/^\d+$/);

      // A no-op update writes nothing while the key is current.
      const same = await call(first, 'PUT', '/api/v1/namespaces/default/secrets/s1', got.json);
      expect(same.status).toBe(200);
      expect(same.json.metadata.resourceVersion).toBe(got.json.metadata.resourceVersion);
    } finally {
      await first.close();
    }

    // key2 now writes; key1 still reads.
    const second = await serve([{ name: 'key2', secret: KEY2 }, { name: 'key1', secret: KEY1 }]);
    try {
      const got = await call(second, 'GET', '/api/v1/namespaces/default/secrets/s1');
      expect(got.json.data.password).toBe(PLAIN);
      expect((await rawRow('/registry/core/secrets/default/s1')).startsWith('"k8s:enc:aescbc:v1:key1:')).toBe(true);
      // Rewriting the unchanged object re-encrypts it with the new first key (kubectl replace, as upstream documents).
      const replaced = await call(second, 'PUT', '/api/v1/namespaces/default/secrets/s1', got.json);
      expect(replaced.status).toBe(200);
      expect(BigInt(replaced.json.metadata.resourceVersion)).toBeGreaterThan(BigInt(got.json.metadata.resourceVersion));
      expect((await rawRow('/registry/core/secrets/default/s1')).startsWith('"k8s:enc:aescbc:v1:key2:')).toBe(true);
      expect((await call(second, 'GET', '/api/v1/namespaces/default/secrets/s1')).json.data.password).toBe(PLAIN);
    } finally {
      await second.close();
    }

    // With neither key the envelope cannot be opened: a server error, never ciphertext or plaintext.
    const withoutKeys = await serve([{ name: 'key3', secret: Buffer.alloc(32, 0x55).toString('base64') }]);
    try {
      const unreadable = await call(withoutKeys, 'GET', '/api/v1/namespaces/default/secrets/s1');
      expect(unreadable.status).toBe(500);
      expect(unreadable.json.message).toContain('no matching key was found for the provided AES transformer');
      expect(JSON.stringify(unreadable.json)).not.toContain(PLAIN);
    } finally {
      await withoutKeys.close();
    }
  });

  it('lists (with selectors and pages) and watches secrets in the clear', async () => {
    const srv = await serve([{ name: 'key1', secret: KEY1 }]);
    try {
      await call(srv, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'enc-list' } });
      for (let i = 0; i < 5; i++) {
        expect((await call(srv, 'POST', '/api/v1/namespaces/enc-list/secrets', secret(`l${i}`, { even: String(i % 2 === 0) }))).status).toBe(201);
      }
      const all = await call(srv, 'GET', '/api/v1/namespaces/enc-list/secrets');
      expect(all.json.items.map((s: any) => s.data.password)).toEqual(Array(5).fill(PLAIN));
      // A paged, filtered list reads the store (not the watch cache) and filters opened objects.
      const page1 = await call(srv, 'GET', '/api/v1/namespaces/enc-list/secrets?labelSelector=even%3Dtrue&limit=2');
      expect(page1.json.items.map((s: any) => s.metadata.name)).toEqual(['l0', 'l2']);
      expect(page1.json.metadata.continue).toBeTruthy();
      const page2 = await call(srv, 'GET', `/api/v1/namespaces/enc-list/secrets?labelSelector=even%3Dtrue&limit=2&continue=${encodeURIComponent(page1.json.metadata.continue)}`);
      expect(page2.json.items.map((s: any) => s.metadata.name)).toEqual(['l4']);
      expect(page2.json.metadata.continue).toBeUndefined();
      const exact = await call(srv, 'GET', `/api/v1/namespaces/enc-list/secrets?limit=10&resourceVersion=${all.json.metadata.resourceVersion}&resourceVersionMatch=Exact`);
      expect(exact.json.items).toHaveLength(5);
      expect(exact.json.items[0].data.password).toBe(PLAIN);

      const res = await fetch(`${srv.url}/api/v1/namespaces/enc-list/secrets?watch=true&resourceVersion=${all.json.metadata.resourceVersion}&timeoutSeconds=5`,
        { headers: { Authorization: `Bearer ${TOKEN}` } });
      const reader = res.body!.getReader();
      await fetch(`${srv.url}/api/v1/namespaces/enc-list/secrets/l1`, {
        method: 'PATCH', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ stringData: { extra: 'x' } }),
      });
      let text = '';
      while (!text.includes('\n')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
      }
      await reader.cancel();
      const ev = JSON.parse(text.split('\n')[0]!);
      expect(ev.type).toBe('MODIFIED');
      expect(ev.object.data.password).toBe(PLAIN);
      expect(ev.object.data.extra).toBe(Buffer.from('x').toString('base64'));

      expect((await call(srv, 'DELETE', '/api/v1/namespaces/enc-list/secrets/l3')).status).toBe(200);
      expect((await call(srv, 'GET', '/api/v1/namespaces/enc-list/secrets/l3')).status).toBe(404);
    } finally {
      await srv.close();
    }
  });

  it('seals other configured resources with aesgcm and secretbox, and leaves the rest in the clear', async () => {
    const srv = await serve([{ name: 'key1', secret: KEY1 }]);
    try {
      expect((await call(srv, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1' }, data: { k: 'visible?' } })).status).toBe(201);
      expect((await call(srv, 'POST', '/apis/coordination.k8s.io/v1/namespaces/default/leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l1' }, spec: { holderIdentity: 'holder-x' } })).status).toBe(201);
      expect((await call(srv, 'POST', '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa1' } })).status).toBe(201);
      expect((await rawRow('/registry/core/configmaps/default/cm1')).startsWith('"k8s:enc:aesgcm:v1:g1:')).toBe(true);
      expect((await rawRow('/registry/coordination.k8s.io/leases/default/l1')).startsWith('"k8s:enc:secretbox:v1:sb1:')).toBe(true);
      expect(JSON.parse(await rawRow('/registry/core/serviceaccounts/default/sa1')).metadata.name).toBe('sa1');
      expect((await call(srv, 'GET', '/api/v1/namespaces/default/configmaps/cm1')).json.data.k).toBe('visible?');
      expect((await call(srv, 'GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases/l1')).json.spec.holderIdentity).toBe('holder-x');
    } finally {
      await srv.close();
    }
  });
});
