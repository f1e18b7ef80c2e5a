// apps/v1 through HTTP: CRUD, status and scale, upstream's defaulted objects, Table columns, the
// update rules, and a table of invalid objects with upstream's 422 causes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { appsResources } from './index.ts';
import { startTestApi, expectInvalid, merge, TABLE_ACCEPT, type InvalidCase, type TestApi } from '../testkit.ts';

let t: TestApi;
let ns: string;

beforeAll(async () => {
  t = await startTestApi(appsResources);
  ns = await t.namespace();
});
afterAll(async () => { await t.close(); });

const base = () => `/apis/apps/v1/namespaces/${ns}`;
const container = { name: 'nginx', image: 'nginx:1.27' };
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } };
const selector = { matchLabels: { app: 'web' } };
const defaultedTemplate = {
  metadata: { creationTimestamp: null, labels: { app: 'web' } },
  spec: {
    containers: [{ name: 'nginx', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
    dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30,
  },
};
const deployment = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { selector, template, ...spec } });
const columns = (body: { columnDefinitions: Array<{ name: string; priority: number }> }) => body.columnDefinitions.map((c) => `${c.name}${c.priority ? '*' : ''}`);

describe('deployments', () => {
  it('defaults as upstream (kubectl create deployment)', async () => {
    const res = await t.post(`${base()}/deployments`, deployment('web')).expect(201);
    expect(res.body.spec).toEqual({
      progressDeadlineSeconds: 600, replicas: 1, revisionHistoryLimit: 10, selector,
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: defaultedTemplate,
    });
    expect(res.body.status).toEqual({});
    expect(res.body.metadata.generation).toBe(1);
  });

  it('gets, lists, updates (bumping generation) and deletes', async () => {
    const created = await t.post(`${base()}/deployments`, deployment('crud')).expect(201);
    const list = await t.get(`${base()}/deployments`).expect(200);
    expect(list.body.kind).toBe('DeploymentList');
    const upd = await t.put(`${base()}/deployments/crud`, merge(created.body, { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.28' }] } } } })).expect(200);
    expect(upd.body.metadata.generation).toBe(2);
    const ann = await t.patch(`${base()}/deployments/crud`, { metadata: { annotations: { note: 'x' } } }).expect(200);
    expect(ann.body.metadata.generation).toBe(3);
    const lbl = await t.patch(`${base()}/deployments/crud`, { metadata: { labels: { tier: 'x' } } }).expect(200);
    expect(lbl.body.metadata.generation).toBe(3);
    const del = await t.del(`${base()}/deployments/crud`).expect(200);
    expect(del.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'crud', group: 'apps', kind: 'deployments' } });
  });

  it('refuses to change the selector', async () => {
    const created = await t.post(`${base()}/deployments`, deployment('sel')).expect(201);
    const res = await t.put(`${base()}/deployments/sel`, merge(created.body, { spec: { selector: { matchLabels: { app: 'web', v: '2' } }, template: { metadata: { labels: { app: 'web', v: '2' } } } } }));
    expectInvalid(res, 'spec.selector', 'Invalid value: {"matchLabels":{"app":"web","v":"2"}}: field is immutable');
  });

  it('scales through /scale with the selector in status', async () => {
    await t.post(`${base()}/deployments`, deployment('sc')).expect(201);
    const scale = await t.get(`${base()}/deployments/sc/scale`).expect(200);
    expect(scale.body).toMatchObject({ kind: 'Scale', spec: { replicas: 1 }, status: { replicas: 0, selector: 'app=web' } });
    await t.patch(`${base()}/deployments/sc/scale`, { spec: { replicas: 4 } }).expect(200);
    expect((await t.get(`${base()}/deployments/sc`).expect(200)).body.spec.replicas).toBe(4);
  });

  it('takes status only through /status and checks its counts', async () => {
    const created = await t.post(`${base()}/deployments`, deployment('st')).expect(201);
    const status = { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 1 };
    const res = await t.put(`${base()}/deployments/st/status`, merge(created.body, { spec: { replicas: 5 }, status })).expect(200);
    expect(res.body.spec.replicas).toBe(1);
    expect(res.body.status).toEqual(status);
    const bad = await t.put(`${base()}/deployments/st/status`, merge(res.body, { status: { availableReplicas: 3, readyReplicas: 2 } }));
    expectInvalid(bad, 'status.availableReplicas', 'Invalid value: 3: cannot be greater than status.replicas');
    // A spec write leaves status alone.
    const spec = await t.put(`${base()}/deployments/st`, merge(res.body, { status: { replicas: 9 } })).expect(200);
    expect(spec.body.status).toEqual(status);
  });

  it('prints READY UP-TO-DATE AVAILABLE AGE, wide CONTAINERS IMAGES SELECTOR', async () => {
    const res = await t.get(`${base()}/deployments/st`, TABLE_ACCEPT).expect(200);
    expect(columns(res.body)).toEqual(['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers*', 'Images*', 'Selector*']);
    expect(res.body.rows[0].cells).toEqual(['st', '2/1', 2, 1, expect.any(String), 'nginx', 'nginx:1.27', 'app=web']);
  });
});

describe('replicasets', () => {
  it('defaults, scales, keeps spec on status writes and prints upstream\'s columns', async () => {
    const rs = { metadata: { name: 'rs' }, spec: { selector, template } };
    const created = await t.post(`${base()}/replicasets`, rs).expect(201);
    expect(created.body.spec).toEqual({ replicas: 1, selector, template: defaultedTemplate });
    expect(created.body.status).toEqual({ replicas: 0 });
    await t.patch(`${base()}/replicasets/rs/scale`, { spec: { replicas: 2 } }).expect(200);
    const cur = await t.get(`${base()}/replicasets/rs`).expect(200);
    const st = await t.put(`${base()}/replicasets/rs/status`, merge(cur.body, { status: { replicas: 2, readyReplicas: 1, fullyLabeledReplicas: 2 } })).expect(200);
    expect(st.body.spec.replicas).toBe(2);
    const table = await t.get(`${base()}/replicasets/rs`, TABLE_ACCEPT).expect(200);
    expect(columns(table.body)).toEqual(['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers*', 'Images*', 'Selector*']);
    expect(table.body.rows[0].cells).toEqual(['rs', 2, 2, 1, expect.any(String), 'nginx', 'nginx:1.27', 'app=web']);
    await t.del(`${base()}/replicasets/rs`).expect(200);
  });
});

describe('statefulsets', () => {
  it('defaults as upstream, claim templates included', async () => {
    const sts = {
      metadata: { name: 'db' },
      spec: { serviceName: 'db', selector, template, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] },
    };
    const res = await t.post(`${base()}/statefulsets`, sts).expect(201);
    expect(res.body.spec).toEqual({
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' }, podManagementPolicy: 'OrderedReady', replicas: 1,
      revisionHistoryLimit: 10, selector, serviceName: 'db', template: defaultedTemplate, updateStrategy: { rollingUpdate: { partition: 0 }, type: 'RollingUpdate' },
      volumeClaimTemplates: [{
        apiVersion: 'v1', kind: 'PersistentVolumeClaim',
        metadata: { creationTimestamp: null, name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
        status: { phase: 'Pending' },
      }],
    });
    expect(res.body.status).toEqual({ availableReplicas: 0, replicas: 0 });
  });

  it('lets only the mutable spec fields change, scales, and prints READY', async () => {
    const cur = await t.get(`${base()}/statefulsets/db`).expect(200);
    const bad = await t.put(`${base()}/statefulsets/db`, merge(cur.body, { spec: { serviceName: 'other' } }));
    expectInvalid(bad, 'spec', "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
    await t.patch(`${base()}/statefulsets/db/scale`, { spec: { replicas: 3 } }).expect(200);
    const now = await t.get(`${base()}/statefulsets/db`).expect(200);
    await t.put(`${base()}/statefulsets/db/status`, merge(now.body, { status: { replicas: 3, readyReplicas: 2, availableReplicas: 2 } })).expect(200);
    const table = await t.get(`${base()}/statefulsets/db`, TABLE_ACCEPT).expect(200);
    expect(columns(table.body)).toEqual(['Name', 'Ready', 'Age', 'Containers*', 'Images*']);
    expect(table.body.rows[0].cells).toEqual(['db', '2/3', expect.any(String), 'nginx', 'nginx:1.27']);
    await t.del(`${base()}/statefulsets/db`).expect(200);
  });
});

describe('daemonsets', () => {
  it('defaults as upstream, with the template generation annotation', async () => {
    const res = await t.post(`${base()}/daemonsets`, { metadata: { name: 'agent' }, spec: { selector, template } }).expect(201);
    expect(res.body.metadata.annotations).toEqual({ 'deprecated.daemonset.template.generation': '1' });
    expect(res.body.spec).toEqual({
      revisionHistoryLimit: 10, selector, template: defaultedTemplate,
      updateStrategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 }, type: 'RollingUpdate' },
    });
    expect(res.body.status).toEqual({ currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 });
  });

  it('counts template generations, keeps status apart and prints upstream\'s columns', async () => {
    const cur = await t.get(`${base()}/daemonsets/agent`).expect(200);
    const upd = await t.put(`${base()}/daemonsets/agent`, merge(cur.body, { spec: { template: { spec: { nodeSelector: { disk: 'ssd' } } } } })).expect(200);
    expect(upd.body.metadata.annotations['deprecated.daemonset.template.generation']).toBe('2');
    expect(upd.body.metadata.generation).toBe(2);
    await t.put(`${base()}/daemonsets/agent/status`, merge(upd.body, { status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2 } })).expect(200);
    const table = await t.get(`${base()}/daemonsets/agent`, TABLE_ACCEPT).expect(200);
    expect(columns(table.body)).toEqual(['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers*', 'Images*', 'Selector*']);
    expect(table.body.rows[0].cells).toEqual(['agent', 3, 3, 2, 1, 2, 'disk=ssd', expect.any(String), 'nginx', 'nginx:1.27', 'app=web']);
    await t.del(`${base()}/daemonsets/agent`).expect(200);
  });
});

describe('controllerrevisions', () => {
  it('stores immutable data and prints the controller', async () => {
    const cr = {
      metadata: { name: 'agent-5d8f', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: '1', controller: true }] },
      data: { spec: { template: {} } }, revision: 1,
    };
    const res = await t.post(`${base()}/controllerrevisions`, cr).expect(201);
    const bad = await t.put(`${base()}/controllerrevisions/agent-5d8f`, merge(res.body, { data: { spec: { x: 1 } } }));
    expectInvalid(bad, 'data', 'Invalid value: {"spec":{"template":{},"x":1}}: field is immutable');
    const table = await t.get(`${base()}/controllerrevisions/agent-5d8f`, TABLE_ACCEPT).expect(200);
    expect(columns(table.body)).toEqual(['Name', 'Controller', 'Revision', 'Age']);
    expect(table.body.rows[0].cells).toEqual(['agent-5d8f', 'daemonset.apps/agent', 1, expect.any(String)]);
    await t.del(`${base()}/controllerrevisions/agent-5d8f`).expect(200);
  });
});

describe('discovery', () => {
  it('lists the apps resources with short names, the all category and subresources', async () => {
    const res = await t.get('/apis/apps/v1').expect(200);
    const by = (name: string) => res.body.resources.find((r: { name: string }) => r.name === name);
    expect(by('deployments')).toMatchObject({ shortNames: ['deploy'], categories: ['all'] });
    expect(by('replicasets')).toMatchObject({ shortNames: ['rs'], categories: ['all'] });
    expect(by('statefulsets')).toMatchObject({ shortNames: ['sts'], categories: ['all'] });
    expect(by('daemonsets')).toMatchObject({ shortNames: ['ds'], categories: ['all'] });
    expect(by('controllerrevisions').shortNames).toBeUndefined();
    for (const s of ['deployments/scale', 'deployments/status', 'replicasets/scale', 'replicasets/status', 'statefulsets/scale', 'statefulsets/status', 'daemonsets/status']) expect(by(s), s).toBeDefined();
    expect(by('daemonsets/scale')).toBeUndefined();
  });
});

/** A valid spec with `spec` laid over it: top-level fields replaced, the template merged. */
const withSpec = (kind: string, name: string, spec: Record<string, unknown>) => {
  const out: Record<string, unknown> = { selector, ...spec, template: merge(template, spec.template) };
  if ('selector' in spec && spec.selector === undefined) delete out.selector;
  return { metadata: { name }, spec: out, kind };
};
const d = (name: string, spec: Record<string, unknown>) => withSpec('Deployment', name, spec);
const cases: InvalidCase[] = [
  { name: 'deployment without selector', path: 'deployments', body: d('d1', { selector: undefined }), field: 'spec.selector', message: 'Required value' },
  { name: 'deployment with an empty selector', path: 'deployments', body: d('d2', { selector: {} }), field: 'spec.selector', message: 'Invalid value: {}: empty selector is invalid for deployment' },
  { name: 'deployment selector not matching the template', path: 'deployments', body: d('d3', { selector: { matchLabels: { app: 'other' } } }), field: 'spec.template.metadata.labels', message: 'Invalid value: {"app":"web"}: `selector` does not match template `labels`' },
  { name: 'deployment negative replicas', path: 'deployments', body: d('d4', { replicas: -1 }), field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' },
  { name: 'deployment Recreate with rollingUpdate', path: 'deployments', body: d('d5', { strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } }), field: 'spec.strategy.rollingUpdate', message: "Forbidden: may not be specified when strategy `type` is 'Recreate'" },
  { name: 'deployment maxUnavailable and maxSurge both 0', path: 'deployments', body: d('d6', { strategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } }), field: 'spec.strategy.rollingUpdate.maxUnavailable', message: 'Invalid value: 0: may not be 0 when `maxSurge` is 0' },
  { name: 'deployment maxUnavailable over 100%', path: 'deployments', body: d('d7', { strategy: { rollingUpdate: { maxUnavailable: '150%' } } }), field: 'spec.strategy.rollingUpdate.maxUnavailable', message: 'Invalid value: "150%": must not be greater than 100%' },
  { name: 'deployment maxSurge not a percent', path: 'deployments', body: d('d8', { strategy: { rollingUpdate: { maxSurge: 'lots' } } }), field: 'spec.strategy.rollingUpdate.maxSurge', message: "Invalid value: \"lots\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')" },
  { name: 'deployment progress deadline not above minReadySeconds', path: 'deployments', body: d('d9', { minReadySeconds: 700 }), field: 'spec.progressDeadlineSeconds', message: 'Invalid value: 600: must be greater than minReadySeconds' },
  { name: 'deployment negative revisionHistoryLimit', path: 'deployments', body: d('d10', { revisionHistoryLimit: -2 }), field: 'spec.revisionHistoryLimit', message: 'Invalid value: -2: must be greater than or equal to 0' },
  { name: 'deployment pods that do not restart', path: 'deployments', body: d('d11', { template: { spec: { restartPolicy: 'OnFailure' } } }), field: 'spec.template.spec.restartPolicy', message: 'Unsupported value: "OnFailure": supported values: "Always"' },
  { name: 'deployment with an active deadline', path: 'deployments', body: d('d12', { template: { spec: { activeDeadlineSeconds: 10 } } }), field: 'spec.template.spec.activeDeadlineSeconds', message: 'Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported' },
  { name: 'deployment selector operator unknown', path: 'deployments', body: d('d13', { selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'a', operator: 'Near' }] } }), field: 'spec.selector.matchExpressions[0].operator', message: 'Invalid value: "Near": not a valid selector operator' },
  { name: 'deployment duplicate container names', path: 'deployments', body: d('d14', { template: { spec: { containers: [container, container] } } }), field: 'spec.template.spec.containers[1].name', message: 'Duplicate value: "nginx"' },
  { name: 'replicaset empty selector (upstream says deployment)', path: 'replicasets', body: withSpec('ReplicaSet', 'r1', { selector: {} }), field: 'spec.selector', message: 'Invalid value: {}: empty selector is invalid for deployment' },
  { name: 'replicaset negative minReadySeconds', path: 'replicasets', body: withSpec('ReplicaSet', 'r2', { minReadySeconds: -1 }), field: 'spec.minReadySeconds', message: 'Invalid value: -1: must be greater than or equal to 0' },
  { name: 'statefulset bad podManagementPolicy', path: 'statefulsets', body: withSpec('StatefulSet', 's1', { podManagementPolicy: 'Eager' }), field: 'spec.podManagementPolicy', message: "Invalid value: \"Eager\": must be 'OrderedReady' or 'Parallel'" },
  { name: 'statefulset OnDelete with rollingUpdate', path: 'statefulsets', body: withSpec('StatefulSet', 's2', { updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } }), field: 'spec.updateStrategy.rollingUpdate', message: "Invalid value: {\"partition\":1}: only allowed for updateStrategy 'RollingUpdate'" },
  { name: 'statefulset unsupported claim retention', path: 'statefulsets', body: withSpec('StatefulSet', 's3', { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep' } }), field: 'spec.persistentVolumeClaimRetentionPolicy.whenDeleted', message: 'Unsupported value: "Keep": supported values: "Retain", "Delete"' },
  { name: 'statefulset empty selector', path: 'statefulsets', body: withSpec('StatefulSet', 's4', { selector: {} }), field: 'spec.selector', message: 'Invalid value: {}: empty selector is invalid for statefulset' },
  { name: 'statefulset with an active deadline', path: 'statefulsets', body: withSpec('StatefulSet', 's5', { template: { spec: { activeDeadlineSeconds: 5 } } }), field: 'spec.template.spec.activeDeadlineSeconds', message: 'Forbidden: activeDeadlineSeconds in StatefulSet is not Supported' },
  { name: 'statefulset claim template without storage', path: 'statefulsets', body: withSpec('StatefulSet', 's6', { volumeClaimTemplates: [{ metadata: { name: 'd' }, spec: { accessModes: ['ReadWriteOnce'] } }] }), field: 'spec.volumeClaimTemplates[0].spec.resources[storage]', message: 'Required value' },
  { name: 'daemonset empty selector', path: 'daemonsets', body: withSpec('DaemonSet', 'x1', { selector: {} }), field: 'spec.selector', message: 'Invalid value: {}: empty selector is invalid for daemonset' },
  { name: 'daemonset surge and unavailable both set', path: 'daemonsets', body: withSpec('DaemonSet', 'x2', { updateStrategy: { rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } }), field: 'spec.updateStrategy.rollingUpdate.maxSurge', message: 'Invalid value: 1: may not be set when maxUnavailable is non-zero' },
  { name: 'daemonset surge and unavailable both zero', path: 'daemonsets', body: withSpec('DaemonSet', 'x3', { updateStrategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } }), field: 'spec.updateStrategy.rollingUpdate.maxUnavailable', message: 'Required value: cannot be 0 when maxSurge is 0' },
  { name: 'daemonset template not matching', path: 'daemonsets', body: withSpec('DaemonSet', 'x4', { selector: { matchLabels: { app: 'nope' } } }), field: 'spec.template.metadata.labels', message: 'Invalid value: {"app":"web"}: `selector` does not match template `labels`' },
  { name: 'controllerrevision without data', path: 'controllerrevisions', body: { metadata: { name: 'cr1' }, revision: 1 }, field: 'data', message: 'Required value: data is mandatory' },
  { name: 'controllerrevision negative revision', path: 'controllerrevisions', body: { metadata: { name: 'cr2' }, data: {}, revision: -1 }, field: 'revision', message: 'Invalid value: -1: must be greater than or equal to 0' },
];

describe('validation: invalid apps objects are refused with upstream\'s causes', () => {
  it.each(cases)('$name', async (c) => {
    const { kind: _kind, ...body } = c.body as Record<string, unknown> & { kind?: string };
    const res = await t.post(`${base()}/${c.path}`, body);
    expectInvalid(res, c.field, c.message);
  });
});
