import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabaseAt } from '../../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../../test/apiserver.ts';
import { eventually } from '../../test/eventually.ts';
import { flowcontrolBootstrapObjects } from '../apis/flowcontrol/index.ts';
import type { KubeObject } from '../apis/types.ts';
import type { GenericRegistry } from '../registry/generic.ts';
import { AUTO_UPDATE_ANNOTATION, CONFIG_PRODUCER_FIELD_MANAGER, ensureAPFBootstrapConfiguration, type FlowControlRegistries } from './flowschemastatus.ts';

const GROUP = '/apis/flowcontrol.apiserver.k8s.io/v1';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

let srv: TestApiServer;
let r: FlowControlRegistries;

interface Condition { type: string; status: string; reason: string; message: string; lastTransitionTime: string }
type FlowSchema = KubeObject & { spec: { priorityLevelConfiguration: { name: string } }; status?: { conditions?: Condition[] } };
type PriorityLevel = KubeObject & { spec: { type: string; limited?: { nominalConcurrencyShares?: number; lendablePercent?: number } } };

async function call<T>(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<{ status: number; body: T }> {
  const res = await fetch(`${srv.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${srv.token}`, Accept: accept, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const getFS = async (name: string) => (await call<FlowSchema>('GET', `${GROUP}/flowschemas/${name}`)).body;
const dangling = async (name: string) => (await getFS(name)).status?.conditions?.find((c) => c.type === 'Dangling');

const flowSchema = (name: string, pl: string) => ({
  apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name },
  spec: { priorityLevelConfiguration: { name: pl }, matchingPrecedence: 5000, rules: [{ subjects: [{ kind: 'User', user: { name: 'someone' } }], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/x'] }] }] },
});
const priorityLevel = (name: string, annotations?: Record<string, string>) => ({
  apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name, ...(annotations ? { annotations } : {}) },
  spec: { type: 'Limited', limited: { nominalConcurrencyShares: 5, limitResponse: { type: 'Reject' } } },
});

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  // Started with the kubernetes Service; started here too in case this host has no address to advertise.
  await srv.api.startLoops();
  r = {
    flowSchemas: srv.api.registry('flowcontrol.apiserver.k8s.io', 'v1', 'flowschemas')!,
    priorityLevels: srv.api.registry('flowcontrol.apiserver.k8s.io', 'v1', 'prioritylevelconfigurations')!,
  };
});

afterAll(async () => {
  await srv?.close();
});

describe('FlowSchema status (the APF configuration consumer)', () => {
  it('marks every default FlowSchema Dangling False with upstream\'s reason and message', async () => {
    const names = flowcontrolBootstrapObjects.filter((o) => o.kind === 'FlowSchema').map((o) => o.metadata!.name!);
    for (const name of names) {
      const cond = await eventually(async () => {
        const c = await dangling(name);
        return c?.status === 'False' && c;
      }, { what: `Dangling on ${name}` });
      const pl = (await getFS(name)).spec.priorityLevelConfiguration.name;
      expect(cond).toMatchObject({ reason: 'Found', message: `This FlowSchema references the PriorityLevelConfiguration object named "${pl}" and it exists` });
      expect(cond.lastTransitionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      // Written by a server-side apply to status, recorded under upstream's consumer manager.
      expect((await getFS(name)).metadata?.managedFields).toContainEqual(expect.objectContaining({
        manager: 'api-priority-and-fairness-config-consumer-v1', operation: 'Apply', subresource: 'status',
      }));
    }
  });

  it('prints False in the MissingPL column of `kubectl get flowschemas` for the defaults', async () => {
    const table = await eventually(async () => {
      const res = await call<{ kind: string; columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> }>('GET', `${GROUP}/flowschemas`, undefined, TABLE);
      const col = res.body.columnDefinitions.findIndex((c) => c.name === 'MissingPL');
      return res.body.rows.every((row) => row.cells[col] === 'False') && { ...res.body, col };
    }, { what: 'MissingPL False on every row' });
    expect(table.kind).toBe('Table');
    expect(table.rows.length).toBeGreaterThanOrEqual(13);
    expect(table.rows.map((row) => row.cells[table.col])).not.toContain('?');
  });

  it('shows Dangling True while the named priority level is missing, False once it exists, True again when it goes', async () => {
    expect((await call('POST', `${GROUP}/flowschemas`, flowSchema('orphan', 'not-yet'))).status).toBe(201);
    const missing = await eventually(async () => { const c = await dangling('orphan'); return c?.status === 'True' && c; }, { what: 'Dangling True' });
    expect(missing).toMatchObject({ reason: 'NotFound', message: 'This FlowSchema references the PriorityLevelConfiguration object named "not-yet" but there is no such object' });

    expect((await call('POST', `${GROUP}/prioritylevelconfigurations`, priorityLevel('not-yet'))).status).toBe(201);
    const found = await eventually(async () => { const c = await dangling('orphan'); return c?.status === 'False' && c; }, { what: 'Dangling False' });
    expect(found).toMatchObject({ reason: 'Found', message: 'This FlowSchema references the PriorityLevelConfiguration object named "not-yet" and it exists' });

    expect((await call('DELETE', `${GROUP}/prioritylevelconfigurations/not-yet`)).status).toBe(200);
    await eventually(async () => (await dangling('orphan'))?.status === 'True', { what: 'Dangling True again' });
  });

  it('puts the condition back when someone overwrites it', async () => {
    const fs = await eventually(async () => { const f = await getFS('global-default'); return f.status?.conditions?.length && f; });
    const put = await call('PUT', `${GROUP}/flowschemas/global-default/status`, {
      ...fs, status: { conditions: [{ type: 'Dangling', status: 'True', reason: 'Made', message: 'up', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
    });
    expect(put.status).toBe(200);
    await eventually(async () => (await dangling('global-default'))?.reason === 'Found', { what: 'the condition restored' });
  });
});

describe('the APF bootstrap configuration ensurer', () => {
  const getPL = async (name: string) => call<PriorityLevel>('GET', `${GROUP}/prioritylevelconfigurations/${name}`);

  it('re-creates a deleted mandatory or suggested object, with upstream\'s field manager', async () => {
    expect((await call('DELETE', `${GROUP}/prioritylevelconfigurations/workload-low`)).status).toBe(200);
    expect((await call('DELETE', `${GROUP}/flowschemas/catch-all`)).status).toBe(200);
    await ensureAPFBootstrapConfiguration(r);
    const pl = await getPL('workload-low');
    expect(pl.status).toBe(200);
    expect(pl.body.metadata?.managedFields?.[0]).toMatchObject({ manager: CONFIG_PRODUCER_FIELD_MANAGER, operation: 'Update' });
    expect((await getFS('catch-all')).spec.priorityLevelConfiguration.name).toBe('catch-all');
  });

  it('puts back a mandatory object\'s spec and annotation whatever they were changed to', async () => {
    // Past validation, as an older server or a restored backup might have left them.
    await (r.priorityLevels as GenericRegistry).guaranteedUpdate('', 'catch-all', (cur) => {
      const next = structuredClone(cur) as PriorityLevel;
      next.spec.limited!.nominalConcurrencyShares = 99;
      next.metadata!.annotations = { [AUTO_UPDATE_ANNOTATION]: 'false' };
      return next;
    });
    await ensureAPFBootstrapConfiguration(r);
    const pl = (await getPL('catch-all')).body;
    expect(pl.spec.limited?.nominalConcurrencyShares).toBe(5);
    expect(pl.metadata?.annotations?.[AUTO_UPDATE_ANNOTATION]).toBe('true');
  });

  it('keeps an operator\'s change to a suggested object only while autoupdate-spec is false', async () => {
    const edit = async (name: string, annotations: Record<string, string> | undefined, shares: number) => {
      const cur = (await getPL(name)).body;
      cur.spec.limited!.nominalConcurrencyShares = shares;
      cur.metadata = { ...cur.metadata, annotations };
      if (!annotations) delete cur.metadata.annotations;
      expect((await call('PUT', `${GROUP}/prioritylevelconfigurations/${name}`, cur)).status).toBe(200);
    };
    await edit('workload-high', { [AUTO_UPDATE_ANNOTATION]: 'false' }, 41);
    await edit('node-high', { [AUTO_UPDATE_ANNOTATION]: 'true' }, 41);
    // No annotation on an edited object (generation 2): the edit is the operator's, and the annotation says so from now on.
    await edit('leader-election', undefined, 41);
    await ensureAPFBootstrapConfiguration(r);
    expect((await getPL('workload-high')).body.spec.limited?.nominalConcurrencyShares).toBe(41);
    expect((await getPL('node-high')).body.spec.limited?.nominalConcurrencyShares).toBe(40);
    const le = (await getPL('leader-election')).body;
    expect(le.spec.limited?.nominalConcurrencyShares).toBe(41);
    expect(le.metadata?.annotations?.[AUTO_UPDATE_ANNOTATION]).toBe('false');
  });

  it('deletes auto-updated objects it no longer bootstraps, and leaves a user\'s own alone', async () => {
    expect((await call('POST', `${GROUP}/prioritylevelconfigurations`, priorityLevel('retired', { [AUTO_UPDATE_ANNOTATION]: 'true' }))).status).toBe(201);
    expect((await call('POST', `${GROUP}/prioritylevelconfigurations`, priorityLevel('users-own'))).status).toBe(201);
    expect((await call('POST', `${GROUP}/prioritylevelconfigurations`, priorityLevel('users-kept', { [AUTO_UPDATE_ANNOTATION]: 'false' }))).status).toBe(201);
    await ensureAPFBootstrapConfiguration(r);
    expect((await getPL('retired')).status).toBe(404);
    expect((await getPL('users-own')).status).toBe(200);
    expect((await getPL('users-kept')).status).toBe(200);
  });
});
