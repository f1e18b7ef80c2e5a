// The core/v1 resources beyond the first set, through HTTP: CRUD, status and scale, upstream's
// defaults, Table columns, and a table of invalid objects with upstream's 422 causes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { coreV1Extra } from './v1/extra.ts';
import { startTestApi, expectInvalid, merge, TABLE_ACCEPT, type InvalidCase, type TestApi } from '../testkit.ts';

let t: TestApi;
let ns: string;

beforeAll(async () => {
  t = await startTestApi(coreV1Extra);
  ns = await t.namespace();
});
afterAll(async () => { await t.close(); });

const container = { name: 'c', image: 'nginx:1.27' };
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } };
const defaultedTemplate = {
  metadata: { creationTimestamp: null, labels: { app: 'web' } },
  spec: {
    containers: [{ name: 'c', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
    dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30,
  },
};

const svc = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }], ...spec } });

describe('services', () => {
  it('defaults a ClusterIP service as upstream does', async () => {
    const res = await t.post(`/api/v1/namespaces/${ns}/services`, svc('web')).expect(201);
    const { clusterIP: _ip, clusterIPs: _ips, ...spec } = res.body.spec;
    expect(spec).toEqual({
      internalTrafficPolicy: 'Cluster', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], selector: { app: 'web' }, sessionAffinity: 'None', type: 'ClusterIP',
    });
    expect(res.body.status).toEqual({ loadBalancer: {} });
  });

  it('defaults NodePort and LoadBalancer fields, and a named targetPort is kept', async () => {
    const np = await t.post(`/api/v1/namespaces/${ns}/services`, svc('np', { type: 'NodePort', ports: [{ port: 80, targetPort: 'http', name: 'http' }] })).expect(201);
    expect(np.body.spec).toMatchObject({ externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }] });
    const lb = await t.post(`/api/v1/namespaces/${ns}/services`, svc('lb', { type: 'LoadBalancer' })).expect(201);
    expect(lb.body.spec).toMatchObject({ allocateLoadBalancerNodePorts: true, externalTrafficPolicy: 'Cluster' });
  });

  it('keeps a headless service headless: clusterIPs [None], families from the selector rule', async () => {
    const h = await t.post(`/api/v1/namespaces/${ns}/services`, svc('headless', { clusterIP: 'None' })).expect(201);
    expect(h.body.spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    // Headless and selectorless: upstream asks for both families.
    const bare = await t.post(`/api/v1/namespaces/${ns}/services`, { metadata: { name: 'bare' }, spec: { clusterIP: 'None' } }).expect(201);
    expect(bare.body.spec).toMatchObject({ clusterIP: 'None', ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' });
  });

  it('serves an ExternalName service without cluster IP fields', async () => {
    const res = await t.post(`/api/v1/namespaces/${ns}/services`, { metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } }).expect(201);
    expect(res.body.spec).toEqual({ externalName: 'example.com', sessionAffinity: 'None', type: 'ExternalName' });
    const table = await t.get(`/api/v1/namespaces/${ns}/services/ext`, TABLE_ACCEPT).expect(200);
    expect(table.body.rows[0].cells.slice(0, 5)).toEqual(['ext', 'ExternalName', '<none>', 'example.com', '<none>']);
  });

  it('gets, lists, updates and deletes (returning the object, as upstream)', async () => {
    await t.post(`/api/v1/namespaces/${ns}/services`, svc('crud')).expect(201);
    const got = await t.get(`/api/v1/namespaces/${ns}/services/crud`).expect(200);
    const list = await t.get(`/api/v1/namespaces/${ns}/services`).expect(200);
    expect(list.body.kind).toBe('ServiceList');
    expect(list.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toContain('crud');
    const updated = await t.put(`/api/v1/namespaces/${ns}/services/crud`, merge(got.body, { spec: { ports: [{ port: 81 }] } })).expect(200);
    expect(updated.body.spec.ports).toEqual([{ port: 81, protocol: 'TCP', targetPort: 81 }]);
    const del = await t.del(`/api/v1/namespaces/${ns}/services/crud`).expect(200);
    expect(del.body.kind).toBe('Service');
    await t.get(`/api/v1/namespaces/${ns}/services/crud`).expect(404);
  });

  it('keeps spec on a status write', async () => {
    const created = await t.post(`/api/v1/namespaces/${ns}/services`, svc('st', { type: 'LoadBalancer' })).expect(201);
    const res = await t.put(`/api/v1/namespaces/${ns}/services/st/status`, merge(created.body, { spec: { type: 'ClusterIP' }, status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } })).expect(200);
    expect(res.body.spec.type).toBe('LoadBalancer');
    expect(res.body.status.loadBalancer.ingress).toEqual([{ ip: '192.0.2.10' }]);
    const table = await t.get(`/api/v1/namespaces/${ns}/services/st`, TABLE_ACCEPT).expect(200);
    expect(table.body.rows[0].cells[3]).toBe('192.0.2.10');
  });

  it('refuses to change clusterIP once set', async () => {
    const created = await t.post(`/api/v1/namespaces/${ns}/services`, svc('fixed', { clusterIP: '10.96.100.1' })).expect(201);
    const res = await t.put(`/api/v1/namespaces/${ns}/services/fixed`, merge(created.body, { spec: { clusterIP: '10.96.100.2', clusterIPs: ['10.96.100.2'] } }));
    expectInvalid(res, 'spec.clusterIPs[0]', 'Invalid value: ["10.96.100.2"]: may not change once set');
  });

  it('prints upstream\'s columns, SELECTOR only wide', async () => {
    await t.post(`/api/v1/namespaces/${ns}/services`, svc('tbl', { clusterIP: '10.96.100.20', type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })).expect(201);
    const res = await t.get(`/api/v1/namespaces/${ns}/services/tbl`, TABLE_ACCEPT).expect(200);
    expect(res.body.columnDefinitions.map((c: { name: string; priority: number }) => [c.name, c.priority])).toEqual([
      ['Name', 0], ['Type', 0], ['Cluster-IP', 0], ['External-IP', 0], ['Port(s)', 0], ['Age', 0], ['Selector', 1],
    ]);
    expect(res.body.rows[0].cells).toEqual(['tbl', 'NodePort', '10.96.100.20', '<none>', '80:30080/TCP', expect.any(String), 'app=web']);
  });
});

describe('endpoints', () => {
  it('defaults port protocols and prints ip:port pairs', async () => {
    const ep = {
      metadata: { name: 'web' },
      subsets: [{ addresses: [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }, { ip: '10.1.0.3' }, { ip: '10.1.0.4' }], ports: [{ port: 8080 }] }],
    };
    const res = await t.post(`/api/v1/namespaces/${ns}/endpoints`, ep).expect(201);
    expect(res.body.subsets[0].ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
    const table = await t.get(`/api/v1/namespaces/${ns}/endpoints/web`, TABLE_ACCEPT).expect(200);
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Endpoints', 'Age']);
    expect(table.body.rows[0].cells[1]).toBe('10.1.0.1:8080,10.1.0.2:8080,10.1.0.3:8080 + 1 more...');
    const list = await t.get(`/api/v1/namespaces/${ns}/endpoints`).expect(200);
    expect(list.body.kind).toBe('EndpointsList');
    await t.put(`/api/v1/namespaces/${ns}/endpoints/web`, merge(res.body, { subsets: [{ addresses: [{ ip: '10.1.0.9' }] }] })).expect(200);
    await t.del(`/api/v1/namespaces/${ns}/endpoints/web`).expect(200);
  });
});

describe('nodes', () => {
  const ZERO_NODE_INFO = {
    machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: '', containerRuntimeVersion: '', kubeletVersion: '',
    kubeProxyVersion: '', operatingSystem: '', architecture: '',
  };
  const node = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'node-role.kubernetes.io/control-plane': '' } }, ...extra });

  it('is cluster-scoped, takes status through /status, and prints upstream\'s columns', async () => {
    const created = await t.post('/api/v1/nodes', node('n1')).expect(201);
    expect(created.body.metadata.namespace).toBeUndefined();
    const status = {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '192.168.1.10' }],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian', kernelVersion: '6.1.0', containerRuntimeVersion: 'docker://27.0.0', architecture: 'amd64' },
    };
    const st = await t.put('/api/v1/nodes/n1/status', merge(created.body, { status })).expect(200);
    expect(st.body.status.capacity).toEqual({ cpu: '4', memory: '8Gi', pods: '110' });
    const table = await t.get('/api/v1/nodes/n1', TABLE_ACCEPT).expect(200);
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime']);
    expect(table.body.rows[0].cells).toEqual(['n1', 'Ready', 'control-plane', expect.any(String), 'v1.32.0', '192.168.1.10', '<none>', 'Debian', '6.1.0 (amd64)', 'docker://27.0.0']);
    // A spec write keeps status.
    const cordoned = await t.patch('/api/v1/nodes/n1', { spec: { unschedulable: true } }).expect(200);
    expect(cordoned.body.status.conditions).toEqual([{ type: 'Ready', status: 'True' }]);
    const again = await t.get('/api/v1/nodes/n1', TABLE_ACCEPT).expect(200);
    expect(again.body.rows[0].cells[1]).toBe('Ready,SchedulingDisabled');
  });

  it('keeps the status a kubelet registers its node with', async () => {
    const res = await t.post('/api/v1/nodes', node('kubelet-made', { status: { capacity: { cpu: '2', memory: '1Gi' }, addresses: [{ type: 'InternalIP', address: '10.0.0.5' }] } })).expect(201);
    // SetDefaults_NodeStatus: allocatable starts as capacity.
    expect(res.body.status).toEqual({
      capacity: { cpu: '2', memory: '1Gi' }, allocatable: { cpu: '2', memory: '1Gi' }, addresses: [{ type: 'InternalIP', address: '10.0.0.5' }],
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } }, nodeInfo: ZERO_NODE_INFO,
    });
    await t.del('/api/v1/nodes/kubelet-made').expect(200);
  });

  it('writes the status structs upstream always writes for a node created without a status', async () => {
    const res = await t.post('/api/v1/nodes', node('by-hand')).expect(201);
    // NodeDaemonEndpoints and NodeSystemInfo are structs; DaemonEndpoint.Port and the system info strings have no omitempty.
    expect(res.body.status).toEqual({ daemonEndpoints: { kubeletEndpoint: { Port: 0 } }, nodeInfo: ZERO_NODE_INFO });
    // A status write is defaulted the same way.
    const st = await t.put('/api/v1/nodes/by-hand/status', { ...res.body, status: { nodeInfo: { kubeletVersion: 'v1.32.0' } } }).expect(200);
    expect(st.body.status).toEqual({ daemonEndpoints: { kubeletEndpoint: { Port: 0 } }, nodeInfo: { ...ZERO_NODE_INFO, kubeletVersion: 'v1.32.0' } });
    await t.del('/api/v1/nodes/by-hand').expect(200);
  });

  it('selects by spec.unschedulable', async () => {
    await t.post('/api/v1/nodes', node('n2')).expect(201);
    const res = await t.get('/api/v1/nodes?fieldSelector=spec.unschedulable%3Dtrue').expect(200);
    expect(res.body.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(['n1']);
  });

  it('may not change providerID once set', async () => {
    const created = await t.post('/api/v1/nodes', node('n3', { spec: { providerID: 'capstan://n3' } })).expect(201);
    const res = await t.put('/api/v1/nodes/n3', merge(created.body, { spec: { providerID: 'capstan://other' } }));
    expectInvalid(res, 'spec.providerID', 'Forbidden: node updates may not change providerID except from "" to valid');
    await t.del('/api/v1/nodes/n3').expect(200);
  });
});

describe('limitranges', () => {
  it('defaults container limits from max and requests from default, and prints the default table', async () => {
    const lr = { metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } }] } };
    const res = await t.post(`/api/v1/namespaces/${ns}/limitranges`, lr).expect(201);
    expect(res.body.spec.limits[0]).toEqual({
      type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' }, default: { cpu: '2' }, defaultRequest: { cpu: '2', memory: '64Mi' },
    });
    const table = await t.get(`/api/v1/namespaces/${ns}/limitranges`, TABLE_ACCEPT).expect(200);
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Created At']);
    await t.del(`/api/v1/namespaces/${ns}/limitranges/lr`).expect(200);
  });
});

describe('resourcequotas', () => {
  it('starts with an empty status, takes status through /status and prints used/hard', async () => {
    const rq = { metadata: { name: 'q' }, spec: { hard: { pods: '10', 'requests.cpu': '1', 'limits.memory': '2Gi' } } };
    const created = await t.post(`/api/v1/namespaces/${ns}/resourcequotas`, rq).expect(201);
    expect(created.body.status).toEqual({});
    const st = await t.put(`/api/v1/namespaces/${ns}/resourcequotas/q/status`, merge(created.body, {
      status: { hard: { pods: '10', 'requests.cpu': '1', 'limits.memory': '2Gi' }, used: { pods: '1', 'requests.cpu': '500m', 'limits.memory': '0' } },
    })).expect(200);
    expect(st.body.spec.hard.pods).toBe('10');
    const table = await t.get(`/api/v1/namespaces/${ns}/resourcequotas/q`, TABLE_ACCEPT).expect(200);
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Request', 'Limit', 'Age']);
    expect(table.body.rows[0].cells.slice(0, 3)).toEqual(['q', 'pods: 1/10, requests.cpu: 500m/1', 'limits.memory: 0/2Gi']);
  });
});

describe('replicationcontrollers', () => {
  it('defaults selector and labels from the template, scales, and keeps spec on status writes', async () => {
    const rc = { metadata: { name: 'rc' }, spec: { template } };
    const created = await t.post(`/api/v1/namespaces/${ns}/replicationcontrollers`, rc).expect(201);
    expect(created.body.metadata.labels).toEqual({ app: 'web' });
    expect(created.body.metadata.generation).toBe(1);
    expect(created.body.spec).toEqual({ replicas: 1, selector: { app: 'web' }, template: defaultedTemplate });
    expect(created.body.status).toEqual({ replicas: 0 });
    const scale = await t.get(`/api/v1/namespaces/${ns}/replicationcontrollers/rc/scale`).expect(200);
    expect(scale.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 1 }, status: { replicas: 0 } });
    await t.put(`/api/v1/namespaces/${ns}/replicationcontrollers/rc/scale`, merge(scale.body, { spec: { replicas: 3 } })).expect(200);
    const st = await t.get(`/api/v1/namespaces/${ns}/replicationcontrollers/rc`).expect(200);
    expect(st.body.spec.replicas).toBe(3);
    expect(st.body.metadata.generation).toBe(2);
    const status = await t.put(`/api/v1/namespaces/${ns}/replicationcontrollers/rc/status`, merge(st.body, { spec: { replicas: 9 }, status: { replicas: 3, readyReplicas: 2 } })).expect(200);
    expect(status.body.spec.replicas).toBe(3);
    const bad = await t.put(`/api/v1/namespaces/${ns}/replicationcontrollers/rc/status`, merge(status.body, { status: { replicas: 1, readyReplicas: 2 } }));
    expectInvalid(bad, 'status.readyReplicas', 'Invalid value: 2: cannot be greater than status.replicas');
    const table = await t.get(`/api/v1/namespaces/${ns}/replicationcontrollers/rc`, TABLE_ACCEPT).expect(200);
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector']);
    expect(table.body.rows[0].cells).toEqual(['rc', 3, 3, 2, expect.any(String), 'c', 'nginx:1.27', 'app=web']);
    await t.del(`/api/v1/namespaces/${ns}/replicationcontrollers/rc`).expect(200);
  });
});

describe('persistentvolumes and claims', () => {
  it('defaults a volume (Retain, Filesystem, Pending with a transition time) and prints it', async () => {
    const pv = { metadata: { name: 'pv1' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } } };
    const res = await t.post('/api/v1/persistentvolumes', pv).expect(201);
    expect(res.body.spec).toMatchObject({ persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' });
    // SetDefaults_HostPathVolumeSource: an unset type is HostPathUnset, "", and written.
    expect(res.body.spec.hostPath).toEqual({ path: '/data', type: '' });
    expect(res.body.status).toEqual({ phase: 'Pending', lastPhaseTransitionTime: expect.stringMatching(/Z$/) });
    const bound = await t.put('/api/v1/persistentvolumes/pv1/status', merge(res.body, { status: { phase: 'Available' } })).expect(200);
    expect(bound.body.status.phase).toBe('Available');
    const table = await t.get('/api/v1/persistentvolumes/pv1', TABLE_ACCEPT).expect(200);
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
      'Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode',
    ]);
    expect(table.body.rows[0].cells).toEqual(['pv1', '1Gi', 'RWO', 'Retain', 'Available', '', '', '<unset>', '', expect.any(String), 'Filesystem']);
    const del = await t.del('/api/v1/persistentvolumes/pv1').expect(200);
    expect(del.body.kind).toBe('PersistentVolume');
  });

  it('defaults a claim (Filesystem, Pending) and fixes its spec after creation', async () => {
    const pvc = { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    const res = await t.post(`/api/v1/namespaces/${ns}/persistentvolumeclaims`, pvc).expect(201);
    expect(res.body.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' });
    expect(res.body.status).toEqual({ phase: 'Pending' });
    const bigger = await t.put(`/api/v1/namespaces/${ns}/persistentvolumeclaims/data`, merge(res.body, { spec: { resources: { requests: { storage: '2Gi' } } } })).expect(200);
    const bad = await t.put(`/api/v1/namespaces/${ns}/persistentvolumeclaims/data`, merge(bigger.body, { spec: { accessModes: ['ReadWriteMany'] } }));
    expectInvalid(bad, 'spec', 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
    const table = await t.get(`/api/v1/namespaces/${ns}/persistentvolumeclaims/data`, TABLE_ACCEPT).expect(200);
    expect(table.body.rows[0].cells).toEqual(['data', 'Pending', '', '', '', '', '<unset>', expect.any(String), 'Filesystem']);
  });
});

describe('podtemplates', () => {
  it('defaults the template, counts generations and prints containers', async () => {
    const res = await t.post(`/api/v1/namespaces/${ns}/podtemplates`, { metadata: { name: 'pt' }, template }).expect(201);
    expect(res.body.template).toEqual(defaultedTemplate);
    expect(res.body.metadata.generation).toBe(1);
    const upd = await t.put(`/api/v1/namespaces/${ns}/podtemplates/pt`, merge(res.body, { template: { metadata: { labels: { app: 'web', v: '2' } } } })).expect(200);
    expect(upd.body.metadata.generation).toBe(2);
    const table = await t.get(`/api/v1/namespaces/${ns}/podtemplates/pt`, TABLE_ACCEPT).expect(200);
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Containers', 'Images', 'Pod Labels']);
    expect(table.body.rows[0].cells).toEqual(['pt', 'c', 'nginx:1.27', 'app=web,v=2']);
  });
});

describe('componentstatuses', () => {
  it('computes healthy scheduler, controller-manager and etcd-0 entries and prints them', async () => {
    const { componentstatuses, computeComponentStatuses } = await import('./v1/componentstatuses.ts');
    const items = await computeComponentStatuses({ store: t.store });
    expect(items.map((i) => i.metadata?.name)).toEqual(['controller-manager', 'etcd-0', 'scheduler']);
    expect(items[1]).toEqual({ apiVersion: 'v1', kind: 'ComponentStatus', metadata: { name: 'etcd-0', creationTimestamp: null }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] });
    expect(componentstatuses.verbs).toEqual(['get', 'list']);
    expect(componentstatuses.table!.columns.map((c) => c.name)).toEqual(['Name', 'Status', 'Message', 'Error']);
    expect(componentstatuses.table!.row(items[2]!, new Date())).toEqual(['scheduler', 'Healthy', 'ok', '']);
    const broken = await computeComponentStatuses({ store: { currentRV: () => Promise.reject(new Error('connection refused')) } });
    expect(componentstatuses.table!.row(broken[1]!, new Date())).toEqual(['etcd-0', 'Unhealthy', '', 'connection refused']);
  });
});

describe('discovery', () => {
  it('lists the resources with upstream\'s short names, categories and subresources', async () => {
    const res = await t.get('/api/v1').expect(200);
    const by = (name: string) => res.body.resources.find((r: { name: string }) => r.name === name);
    expect(by('services')).toMatchObject({ shortNames: ['svc'], categories: ['all'], namespaced: true });
    expect(by('endpoints')).toMatchObject({ shortNames: ['ep'], singularName: 'endpoints' });
    expect(by('nodes')).toMatchObject({ shortNames: ['no'], namespaced: false });
    expect(by('limitranges').shortNames).toEqual(['limits']);
    expect(by('resourcequotas').shortNames).toEqual(['quota']);
    expect(by('replicationcontrollers')).toMatchObject({ shortNames: ['rc'], categories: ['all'] });
    expect(by('persistentvolumes').shortNames).toEqual(['pv']);
    expect(by('persistentvolumeclaims').shortNames).toEqual(['pvc']);
    expect(by('componentstatuses')).toMatchObject({ shortNames: ['cs'], verbs: ['get', 'list'] });
    for (const sub of ['services/status', 'nodes/status', 'resourcequotas/status', 'replicationcontrollers/status', 'replicationcontrollers/scale', 'persistentvolumes/status', 'persistentvolumeclaims/status']) {
      expect(by(sub), sub).toBeDefined();
    }
  });
});

const pod = { containers: [container] };
const cases: InvalidCase[] = [
  // services
  { name: 'service without ports', path: '/api/v1/namespaces/{ns}/services', body: { metadata: { name: 'v1' }, spec: { selector: { a: 'b' } } }, field: 'spec.ports', message: 'Required value' },
  { name: 'service port out of range', path: '/api/v1/namespaces/{ns}/services', body: svc('v2', { ports: [{ port: 70000 }] }), field: 'spec.ports[0].port', message: 'Invalid value: 70000: must be between 1 and 65535, inclusive' },
  { name: 'unnamed port among several', path: '/api/v1/namespaces/{ns}/services', body: svc('v3', { ports: [{ port: 80, name: 'a' }, { port: 81 }] }), field: 'spec.ports[1].name', message: 'Required value' },
  { name: 'duplicate port name', path: '/api/v1/namespaces/{ns}/services', body: svc('v4', { ports: [{ port: 80, name: 'a' }, { port: 81, name: 'a' }] }), field: 'spec.ports[1].name', message: 'Duplicate value: "a"' },
  { name: 'unsupported protocol', path: '/api/v1/namespaces/{ns}/services', body: svc('v5', { ports: [{ port: 80, protocol: 'HTTP' }] }), field: 'spec.ports[0].protocol', message: 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"' },
  { name: 'bad targetPort name', path: '/api/v1/namespaces/{ns}/services', body: svc('v6', { ports: [{ port: 80, targetPort: 'Web_Port' }] }), field: 'spec.ports[0].targetPort', message: 'Invalid value: "Web_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)' },
  { name: 'unsupported type', path: '/api/v1/namespaces/{ns}/services', body: svc('v7', { type: 'Magic' }), field: 'spec.type', message: 'Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"' },
  { name: 'nodePort on ClusterIP', path: '/api/v1/namespaces/{ns}/services', body: svc('v8', { ports: [{ port: 80, nodePort: 30001 }] }), field: 'spec.ports[0].nodePort', message: "Forbidden: may not be used when `type` is 'ClusterIP'" },
  { name: 'ExternalName without a name', path: '/api/v1/namespaces/{ns}/services', body: { metadata: { name: 'v9' }, spec: { type: 'ExternalName' } }, field: 'spec.externalName', message: 'Required value' },
  { name: 'ExternalName not a DNS name', path: '/api/v1/namespaces/{ns}/services', body: { metadata: { name: 'v10' }, spec: { type: 'ExternalName', externalName: 'Not_A_Host' } }, field: 'spec.externalName', message: `Invalid value: "Not_A_Host": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')` },
  { name: 'headless NodePort', path: '/api/v1/namespaces/{ns}/services', body: svc('v11', { type: 'NodePort', clusterIP: 'None' }), field: 'spec.clusterIPs[0]', message: "Invalid value: \"None\": may not be set to 'None' for NodePort services" },
  { name: 'unsupported session affinity', path: '/api/v1/namespaces/{ns}/services', body: svc('v12', { sessionAffinity: 'Cookie' }), field: 'spec.sessionAffinity', message: 'Unsupported value: "Cookie": supported values: "ClientIP", "None"' },
  { name: 'affinity timeout too long', path: '/api/v1/namespaces/{ns}/services', body: svc('v13', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 90000 } } }), field: 'spec.sessionAffinityConfig.clientIP.timeoutSeconds', message: 'Invalid value: 90000: must be greater than 0 and less than 86400' },
  { name: 'clusterIP not an IP', path: '/api/v1/namespaces/{ns}/services', body: svc('v14', { clusterIP: '10.96.0.300' }), field: 'spec.clusterIPs[0]', message: 'Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)' },
  { name: 'RequireDualStack on a single-stack cluster', path: '/api/v1/namespaces/{ns}/services', body: svc('v15', { ipFamilyPolicy: 'RequireDualStack' }), field: 'spec.ipFamilyPolicy', message: 'Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services' },
  { name: 'IPv6 family on an IPv4 cluster', path: '/api/v1/namespaces/{ns}/services', body: svc('v16', { ipFamilies: ['IPv6'] }), field: 'spec.ipFamilies[0]', message: 'Invalid value: "IPv6": not configured on this cluster' },
  { name: 'unsupported ipFamilyPolicy', path: '/api/v1/namespaces/{ns}/services', body: svc('v17', { ipFamilyPolicy: 'Both' }), field: 'spec.ipFamilyPolicy', message: 'Unsupported value: "Both": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"' },
  { name: 'externalTrafficPolicy on ClusterIP', path: '/api/v1/namespaces/{ns}/services', body: svc('v18', { externalTrafficPolicy: 'Local' }), field: 'spec.externalTrafficPolicy', message: 'Invalid value: "Local": may only be set for externally-accessible services' },
  { name: 'service name not DNS-1035', path: '/api/v1/namespaces/{ns}/services', body: svc('1web'), field: 'metadata.name', message: `Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')` },
  { name: 'loopback external IP', path: '/api/v1/namespaces/{ns}/services', body: svc('v19', { externalIPs: ['127.0.0.1'] }), field: 'spec.externalIPs[0]', message: 'Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)' },
  // endpoints
  { name: 'subset without addresses', path: '/api/v1/namespaces/{ns}/endpoints', body: { metadata: { name: 'e1' }, subsets: [{ ports: [{ port: 80 }] }] }, field: 'subsets[0]', message: 'Required value: must specify `addresses` or `notReadyAddresses`' },
  { name: 'endpoint address not an IP', path: '/api/v1/namespaces/{ns}/endpoints', body: { metadata: { name: 'e2' }, subsets: [{ addresses: [{ ip: 'nope' }] }] }, field: 'subsets[0].addresses[0].ip', message: 'Invalid value: "nope": must be a valid IP address' },
  { name: 'endpoint port out of range', path: '/api/v1/namespaces/{ns}/endpoints', body: { metadata: { name: 'e3' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 0 }] }] }, field: 'subsets[0].ports[0].port', message: 'Invalid value: 0: must be between 1 and 65535, inclusive' },
  // nodes
  { name: 'taint without effect', path: '/api/v1/nodes', body: { metadata: { name: 'bad1' }, spec: { taints: [{ key: 'k' }] } }, field: 'metadata.taints[0].effect', message: 'Required value' },
  { name: 'unsupported taint effect', path: '/api/v1/nodes', body: { metadata: { name: 'bad2' }, spec: { taints: [{ key: 'k', effect: 'Evict' }] } }, field: 'metadata.taints[0].effect', message: 'Unsupported value: "Evict": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"' },
  { name: 'negative node capacity', path: '/api/v1/nodes', body: { metadata: { name: 'bad3' }, status: { capacity: { cpu: '-1' } } }, field: 'status.capacity.cpu', message: 'Invalid value: "-1": must be greater than or equal to 0' },
  { name: 'bad podCIDR', path: '/api/v1/nodes', body: { metadata: { name: 'bad4' }, spec: { podCIDRs: ['10.0.0.0'] } }, field: 'spec.podCIDRs[0]', message: 'Invalid value: "10.0.0.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)' },
  // limitranges
  { name: 'min above max', path: '/api/v1/namespaces/{ns}/limitranges', body: { metadata: { name: 'l1' }, spec: { limits: [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }] } }, field: 'spec.limits[0].min[cpu]', message: 'Invalid value: "2": min value 2 is greater than max value 1' },
  { name: 'default on a Pod limit', path: '/api/v1/namespaces/{ns}/limitranges', body: { metadata: { name: 'l2' }, spec: { limits: [{ type: 'Pod', default: { cpu: '1' } }] } }, field: 'spec.limits[0].default', message: "Forbidden: may not be specified when `type` is 'Pod'" },
  { name: 'claim limit without storage bounds', path: '/api/v1/namespaces/{ns}/limitranges', body: { metadata: { name: 'l3' }, spec: { limits: [{ type: 'PersistentVolumeClaim', max: { cpu: '1' } }] } }, field: 'spec.limits[0].limits', message: 'Required value: either minimum or maximum storage value is required, but neither was provided' },
  { name: 'ratio below one', path: '/api/v1/namespaces/{ns}/limitranges', body: { metadata: { name: 'l4' }, spec: { limits: [{ type: 'Container', maxLimitRequestRatio: { cpu: '500m' } }] } }, field: 'spec.limits[0].maxLimitRequestRatio[cpu]', message: 'Invalid value: "500m": ratio 500m is less than 1' },
  // resourcequotas
  { name: 'non-standard quota resource', path: '/api/v1/namespaces/{ns}/resourcequotas', body: { metadata: { name: 'q1' }, spec: { hard: { widgets: '1' } } }, field: 'spec.hard[widgets]', message: 'Invalid value: "widgets": must be a standard resource for quota' },
  { name: 'fractional pod count', path: '/api/v1/namespaces/{ns}/resourcequotas', body: { metadata: { name: 'q2' }, spec: { hard: { pods: '1500m' } } }, field: 'spec.hard[pods]', message: 'Invalid value: "1500m": must be an integer' },
  { name: 'negative quota', path: '/api/v1/namespaces/{ns}/resourcequotas', body: { metadata: { name: 'q3' }, spec: { hard: { cpu: '-1' } } }, field: 'spec.hard[cpu]', message: 'Invalid value: "-1": must be greater than or equal to 0' },
  // replicationcontrollers
  { name: 'rc template labels outside the selector', path: '/api/v1/namespaces/{ns}/replicationcontrollers', body: { metadata: { name: 'r1' }, spec: { selector: { app: 'x' }, template } }, field: 'spec.template.metadata.labels', message: 'Invalid value: {"app":"web"}: `selector` does not match template `labels`' },
  { name: 'rc pods that do not restart', path: '/api/v1/namespaces/{ns}/replicationcontrollers', body: { metadata: { name: 'r2' }, spec: { template: merge(template, { spec: { restartPolicy: 'Never' } }) } }, field: 'spec.template.spec.restartPolicy', message: 'Unsupported value: "Never": supported values: "Always"' },
  { name: 'rc negative replicas', path: '/api/v1/namespaces/{ns}/replicationcontrollers', body: { metadata: { name: 'r3' }, spec: { replicas: -1, template } }, field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' },
  { name: 'rc container without image', path: '/api/v1/namespaces/{ns}/replicationcontrollers', body: { metadata: { name: 'r4' }, spec: { template: { metadata: template.metadata, spec: { containers: [{ name: 'c' }] } } } }, field: 'spec.template.spec.containers[0].image', message: 'Required value' },
  // persistentvolumes
  { name: 'volume without access modes', path: '/api/v1/persistentvolumes', body: { metadata: { name: 'p1' }, spec: { capacity: { storage: '1Gi' }, hostPath: { path: '/x' } } }, field: 'spec.accessModes', message: 'Required value' },
  { name: 'volume without a source', path: '/api/v1/persistentvolumes', body: { metadata: { name: 'p2' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } }, field: 'spec', message: 'Required value: must specify a volume type' },
  { name: 'volume with capacity other than storage', path: '/api/v1/persistentvolumes', body: { metadata: { name: 'p3' }, spec: { capacity: { cpu: '1' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/x' } } }, field: 'spec.capacity', message: 'Unsupported value: {"cpu":"1"}: supported values: "storage"' },
  { name: 'unsupported reclaim policy', path: '/api/v1/persistentvolumes', body: { metadata: { name: 'p4' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/x' }, persistentVolumeReclaimPolicy: 'Keep' } }, field: 'spec.persistentVolumeReclaimPolicy', message: 'Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"' },
  { name: 'unsupported access mode', path: '/api/v1/persistentvolumes', body: { metadata: { name: 'p5' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteSome'], hostPath: { path: '/x' } } }, field: 'spec.accessModes', message: 'Unsupported value: "ReadWriteSome": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"' },
  // persistentvolumeclaims
  { name: 'claim without storage request', path: '/api/v1/namespaces/{ns}/persistentvolumeclaims', body: { metadata: { name: 'c1' }, spec: { accessModes: ['ReadWriteOnce'] } }, field: 'spec.resources[storage]', message: 'Required value' },
  { name: 'claim without access modes', path: '/api/v1/namespaces/{ns}/persistentvolumeclaims', body: { metadata: { name: 'c2' }, spec: { resources: { requests: { storage: '1Gi' } } } }, field: 'spec.accessModes', message: 'Required value: at least 1 access mode is required' },
  { name: 'zero storage request', path: '/api/v1/namespaces/{ns}/persistentvolumeclaims', body: { metadata: { name: 'c3' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '0' } } } }, field: 'spec.resources[storage]', message: 'Invalid value: "0": must be greater than zero' },
  { name: 'unsupported volume mode', path: '/api/v1/namespaces/{ns}/persistentvolumeclaims', body: { metadata: { name: 'c4' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Raw' } }, field: 'spec.volumeMode', message: 'Unsupported value: "Raw": supported values: "Block", "Filesystem"' },
  // podtemplates
  { name: 'template without containers', path: '/api/v1/namespaces/{ns}/podtemplates', body: { metadata: { name: 't1' }, template: { spec: {} } }, field: 'template.spec.containers', message: 'Required value' },
  { name: 'template label value too long', path: '/api/v1/namespaces/{ns}/podtemplates', body: { metadata: { name: 't2' }, template: { metadata: { labels: { a: 'x'.repeat(64) } }, spec: pod } }, field: 'template.labels', message: `Invalid value: "${'x'.repeat(64)}": must be no more than 63 bytes` },
];

describe('validation: invalid core objects are refused with upstream\'s causes', () => {
  it.each(cases)('$name', async (c) => {
    const res = await t.post(c.path.replace('{ns}', ns), c.body);
    expectInvalid(res, c.field, c.message);
  });
});
