// What creating and updating a pod does, as upstream: QoS class and priority computed at
// creation (Priority and DefaultTolerationSeconds admission), the spec fixed afterwards except
// images, a shorter activeDeadlineSeconds, added tolerations and removed scheduling gates
// (ValidatePodUpdate), and pods/status changing status only (ValidatePodStatusUpdate).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestApi, expectInvalid, type TestApi } from '../testkit.ts';

let t: TestApi;
let ns: string;

beforeAll(async () => {
  t = await startTestApi([]);
  ns = await t.namespace();
});
afterAll(async () => { await t.close(); });

const pods = () => `/api/v1/namespaces/${ns}/pods`;
const container = (resources?: Record<string, unknown>) => ({ name: 'c', image: 'busybox:1.36', ...(resources ? { resources } : {}) });
const pod = (name: string, spec: Record<string, unknown> = {}) =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [container()], ...spec } });
const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

describe('pod creation', () => {
  it('computes status.qosClass from requests and limits (limits default the requests)', async () => {
    const best = await t.post(pods(), pod('best')).expect(201);
    expect(best.body.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    const guaranteed = await t.post(pods(), pod('guaranteed', { containers: [container({ limits: { cpu: '500m', memory: '64Mi' } })] })).expect(201);
    expect(guaranteed.body.status.qosClass).toBe('Guaranteed');
    expect(guaranteed.body.spec.containers[0].resources.requests).toEqual({ cpu: '500m', memory: '64Mi' });
    const equal = await t.post(pods(), pod('equal', { containers: [container({ requests: { cpu: '0.5', memory: '64Mi' }, limits: { cpu: '500m', memory: '64Mi' } })] })).expect(201);
    expect(equal.body.status.qosClass).toBe('Guaranteed');
    const burst = await t.post(pods(), pod('burst', { containers: [container({ requests: { cpu: '100m' }, limits: { cpu: '500m', memory: '64Mi' } })] })).expect(201);
    expect(burst.body.status.qosClass).toBe('Burstable');
    const onlyCpu = await t.post(pods(), pod('only-cpu', { containers: [container({ limits: { cpu: '1' } })] })).expect(201);
    expect(onlyCpu.body.status.qosClass).toBe('Burstable');
    // Resources other than cpu and memory do not count.
    const other = await t.post(pods(), pod('other', { containers: [container({ requests: { 'ephemeral-storage': '1Gi' } })] })).expect(201);
    expect(other.body.status.qosClass).toBe('BestEffort');
  });

  it('adds the default not-ready and unreachable tolerations unless the pod covers them', async () => {
    const plain = await t.post(pods(), pod('tol')).expect(201);
    expect(plain.body.spec.tolerations).toEqual(DEFAULT_TOLERATIONS);
    const own = await t.post(pods(), pod('tol-own', { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] })).expect(201);
    expect(own.body.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
      DEFAULT_TOLERATIONS[0],
    ]);
    const all = await t.post(pods(), pod('tol-all', { tolerations: [{ operator: 'Exists' }] })).expect(201);
    expect(all.body.spec.tolerations).toEqual([{ operator: 'Exists' }]);
  });

  it('resolves spec.priority and preemptionPolicy from the PriorityClass', async () => {
    const none = await t.post(pods(), pod('prio-none')).expect(201);
    expect(none.body.spec).toMatchObject({ priority: 0, preemptionPolicy: 'PreemptLowerPriority', enableServiceLinks: true });
    expect(none.body.spec.priorityClassName).toBeUndefined();
    const system = await t.post(pods(), pod('prio-node', { priorityClassName: 'system-node-critical' })).expect(201);
    expect(system.body.spec.priority).toBe(2000001000);
    const cluster = await t.post(pods(), pod('prio-cluster', { priorityClassName: 'system-cluster-critical' })).expect(201);
    expect(cluster.body.spec.priority).toBe(2000000000);
    await t.post('/apis/scheduling.k8s.io/v1/priorityclasses', { metadata: { name: 'batch-low' }, value: 10, preemptionPolicy: 'Never' }).expect(201);
    const low = await t.post(pods(), pod('prio-low', { priorityClassName: 'batch-low' })).expect(201);
    expect(low.body.spec).toMatchObject({ priority: 10, preemptionPolicy: 'Never' });
  });

  it('refuses a missing PriorityClass and a priority that disagrees with the class, 403 as the Priority plugin', async () => {
    const missing = await t.post(pods(), pod('prio-missing', { priorityClassName: 'nope' })).expect(403);
    expect(missing.body).toMatchObject({ reason: 'Forbidden', message: 'pods "prio-missing" is forbidden: no PriorityClass with name nope was found' });
    const stated = await t.post(pods(), pod('prio-stated', { priority: 5 })).expect(403);
    expect(stated.body.message).toBe('pods "prio-stated" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name');
    // A priority equal to the computed one is accepted.
    await t.post(pods(), pod('prio-same', { priority: 0 })).expect(201);
  });

  it('validates tolerations, activeDeadlineSeconds and scheduling gates', async () => {
    expectInvalid(await t.post(pods(), pod('bad-tol', { tolerations: [{ key: 'k', operator: 'Maybe' }] })), 'spec.tolerations[0].operator', 'Unsupported value: "Maybe": supported values: "Equal", "Exists"');
    expectInvalid(await t.post(pods(), pod('bad-tol2', { tolerations: [{ key: 'k', operator: 'Exists', tolerationSeconds: 5, effect: 'NoSchedule' }] })), 'spec.tolerations[0].effect', 'Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set');
    expectInvalid(await t.post(pods(), pod('bad-ads', { activeDeadlineSeconds: 0 })), 'spec.activeDeadlineSeconds', 'Invalid value: 0: must be between 1 and 2147483647, inclusive');
    expectInvalid(await t.post(pods(), pod('bad-gate', { nodeName: 'n1', schedulingGates: [{ name: 'g' }] })), 'spec.nodeName', 'Forbidden: cannot be set until all schedulingGates have been cleared');
  });
});

describe('pod updates', () => {
  it('allows image changes and refuses other spec changes with upstream\'s message', async () => {
    const created = await t.post(pods(), pod('upd')).expect(201);
    const imaged = structuredClone(created.body);
    imaged.spec.containers[0].image = 'busybox:1.37';
    const ok = await t.put(`${pods()}/upd`, imaged).expect(200);
    expect(ok.body.spec.containers[0].image).toBe('busybox:1.37');

    const moved = structuredClone(ok.body);
    moved.spec.restartPolicy = 'Never';
    const res = await t.put(`${pods()}/upd`, moved).expect(422);
    expect(res.body.reason).toBe('Invalid');
    const cause = res.body.details.causes[0];
    expect(cause.field).toBe('spec');
    expect(cause.message.startsWith('Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n')).toBe(true);
    expect(cause.message).toContain('RestartPolicy');
    expect(res.body.message.startsWith('Pod "upd" is invalid: spec: Forbidden: pod updates may not change fields other than')).toBe(true);

    const grown = structuredClone(ok.body);
    grown.spec.containers.push({ name: 'd', image: 'busybox:1.36' });
    expectInvalid(await t.put(`${pods()}/upd`, grown), 'spec.containers', 'Forbidden: pod updates may not add or remove containers');
    const resourced = structuredClone(ok.body);
    resourced.spec.containers[0].resources = { limits: { cpu: '1' } };
    expect((await t.put(`${pods()}/upd`, resourced).expect(422)).body.details.causes[0].field).toBe('spec');
  });

  it('never sets spec.nodeName by update: only pods/binding does', async () => {
    const created = await t.post(pods(), pod('node-upd')).expect(201);
    const res = await t.patch(`${pods()}/node-upd`, { spec: { nodeName: 'n1' } }).expect(422);
    expect(res.body.details.causes[0].message).toContain('NodeName');
    await t.post(`${pods()}/node-upd/binding`, { metadata: { name: 'node-upd' }, target: { name: 'n1' } }).expect(201);
    await t.patch(`${pods()}/node-upd`, { spec: { nodeName: 'n2' } }).expect(422);
    expect(created.body.spec.nodeName).toBeUndefined();
  });

  it('lets activeDeadlineSeconds be set or lowered, never raised or removed', async () => {
    await t.post(pods(), pod('ads')).expect(201);
    await t.patch(`${pods()}/ads`, { spec: { activeDeadlineSeconds: 100 } }).expect(200);
    await t.patch(`${pods()}/ads`, { spec: { activeDeadlineSeconds: 50 } }).expect(200);
    expectInvalid(await t.patch(`${pods()}/ads`, { spec: { activeDeadlineSeconds: 60 } }), 'spec.activeDeadlineSeconds', 'Invalid value: 60: must be less than or equal to previous value');
    expectInvalid(await t.patch(`${pods()}/ads`, { spec: { activeDeadlineSeconds: null } }), 'spec.activeDeadlineSeconds', 'Invalid value: null: must not update from a positive integer to nil value');
  });

  it('lets tolerations be added, not changed', async () => {
    const created = await t.post(pods(), pod('tols', { tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }] })).expect(201);
    const added = [...created.body.spec.tolerations, { key: 'b', operator: 'Equal', value: 'x', effect: 'NoSchedule' }];
    const ok = await t.patch(`${pods()}/tols`, { spec: { tolerations: added } }).expect(200);
    expect(ok.body.spec.tolerations).toHaveLength(4);
    const changed = ok.body.spec.tolerations.map((x: { key: string }) => (x.key === 'a' ? { ...x, effect: 'NoExecute' } : x));
    expectInvalid(await t.patch(`${pods()}/tols`, { spec: { tolerations: changed } }), 'spec.tolerations', 'Forbidden: existing toleration can not be modified except its tolerationSeconds');
  });

  it('lets scheduling gates be removed, not added', async () => {
    await t.post(pods(), pod('gates', { schedulingGates: [{ name: 'example.com/a' }, { name: 'example.com/b' }] })).expect(201);
    expectInvalid(await t.patch(`${pods()}/gates`, { spec: { schedulingGates: [{ name: 'example.com/a' }, { name: 'example.com/c' }] } }),
      'spec.schedulingGates[1].name', "Forbidden: only deletion is allowed, but found new scheduling gate 'example.com/c'");
    const ok = await t.patch(`${pods()}/gates`, { spec: { schedulingGates: [{ name: 'example.com/b' }] } }).expect(200);
    expect(ok.body.spec.schedulingGates).toEqual([{ name: 'example.com/b' }]);
    await t.patch(`${pods()}/gates`, { spec: { schedulingGates: null } }).expect(200);
  });

  it('keeps priority and the default tolerations when a replace leaves them out', async () => {
    const created = await t.post(pods(), pod('replace', { priorityClassName: 'system-cluster-critical' })).expect(201);
    const { priority: _p, preemptionPolicy: _pp, tolerations: _t, ...spec } = created.body.spec;
    const res = await t.put(`${pods()}/replace`, { ...created.body, spec }).expect(200);
    expect(res.body.spec.priority).toBe(2000000000);
    expect(res.body.spec.tolerations).toEqual(DEFAULT_TOLERATIONS);
  });
});

describe('pods/status', () => {
  it('changes status only, keeps the QoS class, and validates condition types', async () => {
    const created = await t.post(pods(), pod('st', { containers: [container({ limits: { cpu: '1', memory: '1Gi' } })] })).expect(201);
    const res = await t.put(`${pods()}/st/status`, {
      ...created.body, spec: { ...created.body.spec, nodeName: 'sneaky' },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'example.com/Custom', status: 'True' }] },
    }).expect(200);
    expect(res.body.spec.nodeName).toBeUndefined();
    expect(res.body.status.qosClass).toBe('Guaranteed');
    expect(res.body.status.phase).toBe('Running');
    // PodCondition's times are structs: zero ones are written null.
    expect(res.body.status.conditions[0]).toEqual({ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: null });

    const empty = await t.put(`${pods()}/st/status`, { ...res.body, status: { ...res.body.status, conditions: [{ type: '', status: 'True' }] } });
    expectInvalid(empty, 'status.conditions[0].type', 'Invalid value: "": name part must be non-empty');
    const qos = await t.put(`${pods()}/st/status`, { ...res.body, status: { ...res.body.status, qosClass: 'BestEffort' } });
    expectInvalid(qos, 'status.qosClass', 'Invalid value: "BestEffort": field is immutable');
    // A status write carrying another object's UID (the kubelet's guard against a same-named replacement).
    const stale = await t.patch(`${pods()}/st/status`, { metadata: { uid: '00000000-0000-0000-0000-000000000000' }, status: { phase: 'Failed' } }, 'application/merge-patch+json');
    expectInvalid(stale, 'metadata.uid', 'Invalid value: "00000000-0000-0000-0000-000000000000": field is immutable');
  });

  it('keeps a terminated container of a pod that does not restart terminated', async () => {
    const created = await t.post(pods(), pod('once', { restartPolicy: 'Never' })).expect(201);
    const done = await t.put(`${pods()}/once/status`, { ...created.body, status: { ...created.body.status, containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0 } } }] } }).expect(200);
    const back = await t.put(`${pods()}/once/status`, { ...done.body, status: { ...done.body.status, containerStatuses: [{ name: 'c', state: { running: {} } }] } });
    expectInvalid(back, 'status.containerStatuses[0].state', 'Forbidden: may not be transitioned to non-terminated state');
  });
});

describe('a global default PriorityClass', () => {
  it('gives pods without a class its name, value and preemption policy', async () => {
    await t.post('/apis/scheduling.k8s.io/v1/priorityclasses', { metadata: { name: 'everyone' }, value: 100, globalDefault: true, preemptionPolicy: 'Never' }).expect(201);
    try {
      // Admission reads classes from the watch cache, as upstream's plugin reads its informer.
      for (let i = 0; i < 100; i++) {
        const cached = await t.get('/apis/scheduling.k8s.io/v1/priorityclasses?resourceVersion=0').expect(200);
        if (cached.body.items.some((pc: { metadata: { name: string } }) => pc.metadata.name === 'everyone')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const res = await t.post(pods(), pod('defaulted')).expect(201);
      expect(res.body.spec).toMatchObject({ priorityClassName: 'everyone', priority: 100, preemptionPolicy: 'Never' });
    } finally {
      await t.del('/apis/scheduling.k8s.io/v1/priorityclasses/everyone').expect(200);
    }
  });
});
