// The official Python client (Debian's python3-kubernetes, 22.x) against Capstan: it loads the
// kubeconfig `capstan up` writes, does CRUD on ConfigMaps, watches from a resourceVersion, pages
// with limit/continue and decodes pod lists into its typed models. Each script prints JSON; every
// assertion is made here.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSystem, type System } from '../harness/system.ts';
import { kubectlOk } from '../harness/kubectl.ts';
import { ensurePythonClient, pythonJson } from '../harness/python.ts';
import { eventually } from '../../test/eventually.ts';

let sys: System;
let nsSeq = 0;
const ns = async () => {
  const name = `py-${nsSeq++}`;
  await kubectlOk(sys, ['create', 'namespace', name]);
  return name;
};

beforeAll(async () => {
  ensurePythonClient();
  sys = await startSystem();
}, 180_000);
afterAll(async () => { await sys?.stop(); });

const PRELUDE = `
import json, sys, datetime
from kubernetes import client, config, watch
config.load_kube_config()
v1 = client.CoreV1Api()
ns = sys.argv[1] if len(sys.argv) > 1 else 'default'
`;

describe('the official Python client', () => {
  it('loads the kubeconfig and reads the server version and namespaces', async () => {
    const out = await pythonJson<{ major: string; minor: string; gitVersion: string; namespaces: string[]; clientVersion: string }>(sys, `${PRELUDE}
import kubernetes
info = client.VersionApi().get_code()
names = [n.metadata.name for n in v1.list_namespace().items]
print(json.dumps({'major': info.major, 'minor': info.minor, 'gitVersion': info.git_version, 'namespaces': names, 'clientVersion': kubernetes.__version__}))
`);
    expect(out.clientVersion).toMatch(/^\d+\./);
    expect(out.major).toBe('1');
    expect(out.minor).toBe('32');
    expect(out.gitVersion).toMatch(/^v1\.32\./);
    expect(out.namespaces).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public']));
  });

  it('creates, gets, lists, patches and deletes a ConfigMap, with API errors as ApiException', async () => {
    const n = await ns();
    const out = await pythonJson<Record<string, unknown>>(sys, `${PRELUDE}
cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name='settings', labels={'app': 'py'}), data={'a': '1'})
created = v1.create_namespaced_config_map(ns, cm)
try:
    v1.create_namespaced_config_map(ns, cm)
    again = None
except client.ApiException as e:
    again = {'status': e.status, 'reason': json.loads(e.body)['reason']}
got = v1.read_namespaced_config_map('settings', ns)
listed = v1.list_namespaced_config_map(ns, label_selector='app=py')
patched = v1.patch_namespaced_config_map('settings', ns, {'data': {'b': '2'}, 'metadata': {'labels': {'tier': 'web'}}})
deleted = v1.delete_namespaced_config_map('settings', ns)
try:
    v1.read_namespaced_config_map('settings', ns)
    gone = None
except client.ApiException as e:
    body = json.loads(e.body)
    gone = {'status': e.status, 'reason': body['reason'], 'message': body['message']}
print(json.dumps({
    'createdType': type(created).__name__, 'createdUid': created.metadata.uid, 'createdRv': created.metadata.resource_version,
    'createdAt': created.metadata.creation_timestamp.isoformat(),
    'again': again,
    'gotData': got.data, 'gotUid': got.metadata.uid,
    'listType': type(listed).__name__, 'listed': [i.metadata.name for i in listed.items], 'listRv': listed.metadata.resource_version,
    'patchedData': patched.data, 'patchedLabels': patched.metadata.labels, 'patchedRv': patched.metadata.resource_version,
    'deletedType': type(deleted).__name__,
    'gone': gone,
}))
`, { args: [n], logFragment: n });
    expect(out.createdType).toBe('V1ConfigMap');
    expect(out.createdUid).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    expect(out.again).toEqual({ status: 409, reason: 'AlreadyExists' });
    expect(out.gotData).toEqual({ a: '1' });
    expect(out.gotUid).toBe(out.createdUid);
    expect(out.listType).toBe('V1ConfigMapList');
    expect(out.listed).toEqual(['settings']);
    expect(BigInt(out.listRv as string)).toBeGreaterThanOrEqual(BigInt(out.createdRv as string));
    expect(out.patchedData).toEqual({ a: '1', b: '2' });
    expect(out.patchedLabels).toEqual({ app: 'py', tier: 'web' });
    expect(BigInt(out.patchedRv as string)).toBeGreaterThan(BigInt(out.createdRv as string));
    expect(out.deletedType).toBe('V1Status');
    expect(out.gone).toEqual({ status: 404, reason: 'NotFound', message: 'configmaps "settings" not found' });
  });

  it('watches from a resourceVersion and sees ADDED, MODIFIED and DELETED in order', async () => {
    const n = await ns();
    const out = await pythonJson<{ start: string; writes: string[]; events: Array<{ type: string; cls: string; name: string; rv: string; data: Record<string, string> | null }> }>(sys, `${PRELUDE}
import threading
start = v1.list_namespaced_config_map(ns).metadata.resource_version
events = []
w = watch.Watch()
def run():
    for ev in w.stream(v1.list_namespaced_config_map, ns, resource_version=start, field_selector='metadata.name=watched', timeout_seconds=20):
        o = ev['object']
        events.append({'type': ev['type'], 'cls': type(o).__name__, 'name': o.metadata.name, 'rv': o.metadata.resource_version, 'data': o.data})
        if len(events) == 3:
            w.stop()
t = threading.Thread(target=run)
t.start()
writes = []
writes.append(v1.create_namespaced_config_map(ns, {'metadata': {'name': 'watched'}, 'data': {'k': 'v1'}}).metadata.resource_version)
writes.append(v1.patch_namespaced_config_map('watched', ns, {'data': {'k': 'v2'}}).metadata.resource_version)
v1.delete_namespaced_config_map('watched', ns)
t.join(30)
print(json.dumps({'start': start, 'writes': writes, 'events': events}))
`, { args: [n], logFragment: n });
    expect(out.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(out.events.every((e) => e.cls === 'V1ConfigMap' && e.name === 'watched')).toBe(true);
    expect(out.events.map((e) => e.data)).toEqual([{ k: 'v1' }, { k: 'v2' }, { k: 'v2' }]);
    expect(out.events.slice(0, 2).map((e) => e.rv)).toEqual(out.writes);
    const rvs = out.events.map((e) => BigInt(e.rv));
    expect(rvs[0]! > BigInt(out.start) && rvs[1]! > rvs[0]! && rvs[2]! > rvs[1]!).toBe(true);
  });

  it('pages a list with limit and continue, every object once, counting what remains', async () => {
    const n = await ns();
    // The root CA publisher puts kube-root-ca.crt in every namespace: wait for it so the count is fixed.
    await eventually(async () => (await kubectlOk(sys, ['get', 'configmaps', '-n', n, '-o', 'name'])).includes('kube-root-ca.crt'), { what: 'kube-root-ca.crt' });
    const out = await pythonJson<{ pages: Array<{ names: string[]; remaining: number | null; hasContinue: boolean }>; all: string[] }>(sys, `${PRELUDE}
for i in range(7):
    v1.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name='page-%d' % i)))
pages = []
cont = None
while True:
    kw = {'limit': 3}
    if cont:
        kw['_continue'] = cont
    r = v1.list_namespaced_config_map(ns, **kw)
    cont = r.metadata._continue
    pages.append({'names': [i.metadata.name for i in r.items], 'remaining': r.metadata.remaining_item_count, 'hasContinue': bool(cont)})
    if not cont or len(pages) > 10:
        break
print(json.dumps({'pages': pages, 'all': [i.metadata.name for i in v1.list_namespaced_config_map(ns).items]}))
`, { args: [n], logFragment: n });
    // Lists come in key order, as from etcd.
    const expected = ['kube-root-ca.crt', ...Array.from({ length: 7 }, (_, i) => `page-${i}`)];
    expect(out.all).toEqual(expected);
    expect(out.pages.map((p) => p.names)).toEqual([expected.slice(0, 3), expected.slice(3, 6), expected.slice(6)]);
    expect(out.pages.map((p) => p.remaining)).toEqual([5, 2, null]);
    expect(out.pages.map((p) => p.hasContinue)).toEqual([true, true, false]);
  });

  it('reads a pod list as typed objects with the server\'s defaults', async () => {
    const n = await ns();
    const out = await pythonJson<{
      listType: string; pods: Array<{
        cls: string; name: string; createdIsDatetime: boolean; tzAware: boolean; containerCls: string; image: string; command: string[];
        restartPolicy: string; dnsPolicy: string; grace: number; pullPolicy: string; phase: string | null; qos: string | null; serialized: Record<string, unknown>;
      }>;
    }>(sys, `${PRELUDE}
for name in ['alpha', 'beta']:
    pod = client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels={'app': 'typed'}),
        spec=client.V1PodSpec(containers=[client.V1Container(name='main', image='busybox:1.36', command=['sleep', '3600'],
            resources=client.V1ResourceRequirements(requests={'cpu': '10m'}))]))
    v1.create_namespaced_pod(ns, pod)
pods = v1.list_namespaced_pod(ns, label_selector='app=typed')
api = client.ApiClient()
out = []
for p in pods.items:
    c = p.spec.containers[0]
    out.append({
        'cls': type(p).__name__, 'name': p.metadata.name,
        'createdIsDatetime': isinstance(p.metadata.creation_timestamp, datetime.datetime),
        'tzAware': p.metadata.creation_timestamp.tzinfo is not None,
        'containerCls': type(c).__name__, 'image': c.image, 'command': c.command,
        'restartPolicy': p.spec.restart_policy, 'dnsPolicy': p.spec.dns_policy, 'grace': p.spec.termination_grace_period_seconds,
        'pullPolicy': c.image_pull_policy, 'phase': p.status.phase if p.status else None, 'qos': p.status.qos_class if p.status else None,
        'serialized': api.sanitize_for_serialization(p)['spec']['containers'][0],
    })
print(json.dumps({'listType': type(pods).__name__, 'pods': out}))
`, { args: [n], logFragment: n });
    expect(out.listType).toBe('V1PodList');
    expect(out.pods.map((p) => p.name)).toEqual(['alpha', 'beta']);
    for (const p of out.pods) {
      expect(p.cls).toBe('V1Pod');
      expect(p.createdIsDatetime).toBe(true);
      expect(p.tzAware).toBe(true);
      expect(p.containerCls).toBe('V1Container');
      expect(p.image).toBe('busybox:1.36');
      expect(p.command).toEqual(['sleep', '3600']);
      expect(p.restartPolicy).toBe('Always');
      expect(p.dnsPolicy).toBe('ClusterFirst');
      expect(p.grace).toBe(30);
      expect(p.pullPolicy).toBe('IfNotPresent');
      expect(p.phase).toBe('Pending');
      expect(p.qos).toBe('Burstable');
      expect(p.serialized).toMatchObject({ name: 'main', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
    }
  });
});
