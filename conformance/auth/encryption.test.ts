// Secrets encrypted at rest: `capstan up` on PostgreSQL with an EncryptionConfiguration
// (--encryption-provider-config, aescbc first) stores every version of a Secret as a
// k8s:enc:aescbc:v1:<key>: envelope — read straight from the database here — while kubectl
// reads it back in the clear. Resources the configuration does not name stay plain.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { startSystem, type System } from '../harness/system.ts';
import { kubectlOk } from '../harness/kubectl.ts';
import { createDatabaseAt } from '../../test/postgres.ts';

let sys: System;
let db: pg.Client;
const configDir = mkdtempSync(path.join(tmpdir(), 'capstan-enc-'));
let nsSeq = 0;
const ns = async () => {
  const name = `enc-${nsSeq++}`;
  await kubectlOk(sys, ['create', 'namespace', name]);
  return name;
};

beforeAll(async () => {
  const databaseUrl = await createDatabaseAt(inject('pgAdminUrl'), 'encryption');
  const config = path.join(configDir, 'encryption.yaml');
  writeFileSync(config, [
    'apiVersion: apiserver.config.k8s.io/v1',
    'kind: EncryptionConfiguration',
    'resources:',
    '  - resources: [secrets]',
    '    providers:',
    '      - aescbc:',
    '          keys:',
    `            - name: key1`,
    `              secret: ${randomBytes(32).toString('base64')}`,
    '      - identity: {}',
    '',
  ].join('\n'), { mode: 0o600 });
  sys = await startSystem({ databaseUrl, extraArgs: ['--encryption-provider-config', config] });
  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await sys?.stop();
  rmSync(configDir, { recursive: true, force: true });
});

/**
 * Every stored version of an object, as the database holds it: whatever key layout the store
 * uses, the object's key ends with <resource>/<namespace>/<name>.
 */
async function rawVersions(resource: string, namespace: string, name: string): Promise<string[]> {
  const { rows } = await db.query<{ value: string | null }>(
    'SELECT value FROM capstan_log WHERE key LIKE $1 AND value IS NOT NULL ORDER BY rv',
    [`%/${resource}/${namespace}/${name}`],
  );
  return rows.map((r) => r.value!);
}

describe('encryption at rest', () => {
  it('stores a Secret encrypted in PostgreSQL and reads it back in the clear through kubectl', async () => {
    const n = await ns();
    const password = `pw-${randomBytes(12).toString('hex')}`;
    await kubectlOk(sys, ['create', 'secret', 'generic', 'db-credentials', '-n', n, `--from-literal=password=${password}`, '--from-literal=user=admin']);
    const stored = await rawVersions('secrets', n, 'db-credentials');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toContain('k8s:enc:aescbc:v1:key1:');
    expect(stored[0]).not.toContain(password);
    expect(stored[0]).not.toContain(Buffer.from(password).toString('base64'));
    expect(stored[0]).not.toContain('db-credentials');
    const got = JSON.parse(await kubectlOk(sys, ['get', 'secret', 'db-credentials', '-n', n, '-o', 'json'])) as { type: string; data: Record<string, string> };
    expect(got.type).toBe('Opaque');
    expect(Buffer.from(got.data.password!, 'base64').toString()).toBe(password);
    expect(Buffer.from(got.data.user!, 'base64').toString()).toBe('admin');
  });

  it('encrypts every new version of an updated Secret', async () => {
    const n = await ns();
    await kubectlOk(sys, ['create', 'secret', 'generic', 'rotating', '-n', n, '--from-literal=token=first-value']);
    const second = Buffer.from('second-value').toString('base64');
    await kubectlOk(sys, ['patch', 'secret', 'rotating', '-n', n, '-p', JSON.stringify({ data: { token: second } })]);
    await kubectlOk(sys, ['label', 'secret', 'rotating', '-n', n, 'rotated=yes']);
    const stored = await rawVersions('secrets', n, 'rotating');
    expect(stored).toHaveLength(3);
    for (const v of stored) {
      expect(v).toContain('k8s:enc:aescbc:v1:key1:');
      expect(v).not.toContain(second);
      expect(v).not.toContain(Buffer.from('first-value').toString('base64'));
    }
    // Each write has its own IV: no two envelopes alike.
    expect(new Set(stored).size).toBe(3);
    expect(await kubectlOk(sys, ['get', 'secret', 'rotating', '-n', n, '-o', 'jsonpath={.data.token}'])).toBe(second);
    expect(await kubectlOk(sys, ['get', 'secrets', '-n', n, '-l', 'rotated=yes', '-o', 'name'])).toBe('secret/rotating\n');
  });

  it('leaves resources the configuration does not name in the clear', async () => {
    const n = await ns();
    await kubectlOk(sys, ['create', 'configmap', 'plain', '-n', n, '--from-literal=colour=ultramarine']);
    const stored = await rawVersions('configmaps', n, 'plain');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toContain('ultramarine');
    expect(stored[0]).not.toContain('k8s:enc:');
  });
});
