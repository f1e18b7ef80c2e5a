import { describe, expect, it } from 'vitest';
import { staticAuthorizer } from './authorizer.ts';
import { NodeAuthorizer, nodeIdentity } from './node.ts';
import { PodGraph, podRefs, pvRefs } from './nodegraph.ts';
import type { Attributes } from './rules.ts';

const pod = (ns: string, name: string, nodeName: string, spec: object = {}) => podRefs({
  metadata: { namespace: ns, name },
  spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }], ...spec },
});

const graph = new PodGraph();
for (const p of [
  pod('default', 'web', 'n1', {
    serviceAccountName: 'web-sa',
    volumes: [{ name: 'cfg', configMap: { name: 'web-config' } }, { name: 'data', persistentVolumeClaim: { claimName: 'web-data' } }],
    containers: [{ name: 'c', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'web-secret', key: 'p' } } }] }],
  }),
  pod('default', 'db', 'n2', { volumes: [{ name: 's', secret: { secretName: 'db-secret' } }] }),
]) graph.update(undefined, p);

const kubelet = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const node = new NodeAuthorizer(graph);

function req(verb: string, resource: string, o: Partial<Attributes> = {}): Attributes {
  return { user: kubelet, verb, isResourceRequest: true, path: '', namespace: '', apiGroup: '', apiVersion: 'v1', resource, subresource: '', name: '', ...o };
}

const decision = (a: Attributes) => node.authorize(a).decision;
const reason = (a: Attributes) => node.authorize(a).reason;

describe('Node authorizer', () => {
  it('identifies kubelets by user name and the system:nodes group', () => {
    expect(nodeIdentity(kubelet)).toEqual({ isNode: true, nodeName: 'n1' });
    expect(nodeIdentity({ name: 'system:node:n1', groups: [] }).isNode).toBe(false);
    expect(nodeIdentity({ name: 'jane', groups: ['system:nodes'] }).isNode).toBe(false);
    expect(decision(req('get', 'pods', { user: { name: 'jane', groups: [] }, namespace: 'default', name: 'web' }))).toBe('NoOpinion');
  });

  it('lets a kubelet read only its own pods, and list them only by spec.nodeName', () => {
    expect(decision(req('get', 'pods', { namespace: 'default', name: 'web' }))).toBe('Allow');
    expect(node.authorize(req('get', 'pods', { namespace: 'default', name: 'db' }))).toEqual({ decision: 'NoOpinion', reason: "no relationship found between node 'n1' and this object" });
    expect(decision(req('list', 'pods', { fieldSelector: 'spec.nodeName=n1' }))).toBe('Allow');
    expect(decision(req('watch', 'pods', { fieldSelector: 'spec.nodeName==n1' }))).toBe('Allow');
    expect(reason(req('list', 'pods', { fieldSelector: 'spec.nodeName=n2' }))).toBe('can only list/watch pods with spec.nodeName field selector');
    expect(reason(req('list', 'pods'))).toBe('can only list/watch pods with spec.nodeName field selector');
  });

  it('allows pod writes by verb and leaves which pods to NodeRestriction, as upstream', () => {
    // create and delete (mirror pods), status and eviction: the object decides, in admission.
    for (const name of ['web', 'db']) {
      expect(decision(req('patch', 'pods', { namespace: 'default', name, subresource: 'status' }))).toBe('Allow');
      expect(decision(req('update', 'pods', { namespace: 'default', name, subresource: 'status' }))).toBe('Allow');
      expect(decision(req('delete', 'pods', { namespace: 'default', name }))).toBe('Allow');
      expect(decision(req('create', 'pods', { namespace: 'default', name, subresource: 'eviction' }))).toBe('Allow');
    }
    expect(decision(req('create', 'pods', { namespace: 'default' }))).toBe('Allow');
    // Everything else on pods is refused without a reason, falling through to RBAC.
    expect(node.authorize(req('update', 'pods', { namespace: 'default', name: 'web' }))).toEqual({ decision: 'NoOpinion', reason: '' });
    expect(decision(req('deletecollection', 'pods', { namespace: 'default' }))).toBe('NoOpinion');
    expect(decision(req('create', 'pods', { namespace: 'default', name: 'web', subresource: 'binding' }))).toBe('NoOpinion');
    expect(decision(req('get', 'pods', { namespace: 'default', name: 'web', subresource: 'log' }))).toBe('NoOpinion');
    expect(reason(req('get', 'pods', { namespace: 'default' }))).toBe('No Object name found');
  });

  it('lets a kubelet read only its own Node, and write Nodes by verb', () => {
    expect(decision(req('get', 'nodes', { name: 'n1' }))).toBe('Allow');
    expect(decision(req('create', 'nodes'))).toBe('Allow');
    expect(decision(req('patch', 'nodes', { name: 'n1', subresource: 'status' }))).toBe('Allow');
    expect(reason(req('get', 'nodes', { name: 'n2' }))).toBe("node 'n1' cannot read 'n2', only its own Node object");
    expect(reason(req('list', 'nodes'))).toBe("node 'n1' cannot read all nodes, only its own Node object");
    expect(decision(req('watch', 'nodes', { name: 'n1' }))).toBe('Allow');
    // Which Node a kubelet may change is NodeRestriction's to decide, on the object.
    expect(decision(req('patch', 'nodes', { name: 'n2', subresource: 'status' }))).toBe('Allow');
    expect(decision(req('update', 'nodes', { name: 'n2' }))).toBe('Allow');
    expect(decision(req('delete', 'nodes', { name: 'n1' }))).toBe('NoOpinion');
    expect(decision(req('get', 'nodes', { name: 'n1', subresource: 'status' }))).toBe('NoOpinion');
  });

  it('lets a kubelet reach what its pods reference, and nothing else', () => {
    expect(decision(req('get', 'secrets', { namespace: 'default', name: 'web-secret' }))).toBe('Allow');
    expect(decision(req('watch', 'configmaps', { namespace: 'default', name: 'web-config' }))).toBe('Allow');
    expect(decision(req('get', 'persistentvolumeclaims', { namespace: 'default', name: 'web-data' }))).toBe('Allow');
    expect(decision(req('create', 'serviceaccounts', { namespace: 'default', name: 'web-sa', subresource: 'token' }))).toBe('Allow');
    expect(reason(req('get', 'secrets', { namespace: 'default', name: 'db-secret' }))).toBe("no relationship found between node 'n1' and this object");
    expect(reason(req('list', 'secrets', { namespace: 'default' }))).toBe('No Object name found');
    expect(reason(req('update', 'secrets', { namespace: 'default', name: 'web-secret' }))).toBe('can only read resources of this type');
    expect(reason(req('create', 'serviceaccounts', { namespace: 'default', name: 'default', subresource: 'token' }))).toBe("no relationship found between node 'n1' and this object");
  });

  it('lets a kubelet get the PersistentVolume bound to its pod\'s claim, and the secrets it mounts with', () => {
    const pv = (name: string, claim: string, spec: object = {}) => pvRefs({ metadata: { name }, spec: { claimRef: { namespace: 'default', name: claim }, ...spec } });
    const g = new PodGraph();
    g.update(undefined, pod('default', 'web', 'n1', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'web-data' } }] }));
    g.updatePV(undefined, pv('pv-web', 'web-data', { csi: { driver: 'd', volumeHandle: 'h', nodePublishSecretRef: { namespace: 'vault', name: 'csi-creds' }, controllerPublishSecretRef: { namespace: 'vault', name: 'ctl' } } }));
    g.updatePV(undefined, pv('pv-other', 'other-data', { rbd: { monitors: ['m'], image: 'i', secretRef: { name: 'rbd-key' } } }));
    expect(pvRefs({ metadata: { name: 'free' }, spec: {} })).toBeUndefined();
    const a = new NodeAuthorizer(g);
    expect(a.authorize(req('get', 'persistentvolumes', { name: 'pv-web' })).decision).toBe('Allow');
    expect(a.authorize(req('get', 'persistentvolumes', { name: 'pv-other' }))).toEqual({ decision: 'NoOpinion', reason: "no relationship found between node 'n1' and this object" });
    expect(a.authorize(req('list', 'persistentvolumes')).reason).toBe('can only get individual resources of this type');
    // A CSI volume's node secrets are the kubelet's to read, its controller's are not.
    expect(a.authorize(req('get', 'secrets', { namespace: 'vault', name: 'csi-creds' })).decision).toBe('Allow');
    expect(a.authorize(req('get', 'secrets', { namespace: 'vault', name: 'ctl' })).decision).toBe('NoOpinion');
    expect(pv('x', 'c', { rbd: { monitors: ['m'], image: 'i', secretRef: { name: 'rbd-key' } } })!.secrets).toEqual([{ namespace: 'default', name: 'rbd-key' }]);
    // The claim's volume moves on: the edge goes with it.
    g.updatePV(pv('pv-web', 'web-data'), pv('pv-web', 'elsewhere'));
    expect(a.authorize(req('get', 'persistentvolumes', { name: 'pv-web' })).decision).toBe('NoOpinion');
  });

  it('lets a kubelet keep only its own Lease in kube-node-lease', () => {
    const lease = (verb: string, o: Partial<Attributes>) => req(verb, 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'kube-node-lease', ...o });
    expect(decision(lease('update', { name: 'n1' }))).toBe('Allow');
    expect(decision(lease('create', {}))).toBe('Allow');
    expect(reason(lease('update', { name: 'n2' }))).toBe('can only access node lease with the same name as the requesting node');
    expect(reason(lease('get', { name: 'n1', namespace: 'default' }))).toBe('can only access leases in the "kube-node-lease" system namespace');
    expect(reason(lease('list', {}))).toBe('can only get, create, update, patch, or delete a node lease');
  });

  it('grants the rest of upstream\'s node rules unchanged', () => {
    expect(decision(req('list', 'services'))).toBe('Allow');
    expect(decision(req('create', 'events', { namespace: 'default' }))).toBe('Allow');
    expect(decision(req('create', 'subjectaccessreviews', { apiGroup: 'authorization.k8s.io' }))).toBe('Allow');
    expect(decision(req('list', 'deployments', { apiGroup: 'apps' }))).toBe('NoOpinion');
  });

  it('joins the chain before RBAC: a kubelet denied another node\'s pod gets the Node authorizer\'s reason', () => {
    const chain = staticAuthorizer(undefined, [pod('default', 'db', 'n2')]);
    expect(chain.decide(req('get', 'pods', { namespace: 'default', name: 'db' }))).toEqual({
      decision: 'NoOpinion', reason: "no relationship found between node 'n1' and this object",
    });
  });
});

describe('pod references (upstream VisitPodSecretNames / VisitPodConfigmapNames)', () => {
  it('finds secrets, config maps and claims in volumes, env, envFrom, image pull secrets and projections', () => {
    const refs = podRefs({
      metadata: { namespace: 'ns', name: 'p' },
      spec: {
        imagePullSecrets: [{ name: 'pull' }],
        initContainers: [{ name: 'i', envFrom: [{ secretRef: { name: 'init-env' } }, { configMapRef: { name: 'init-cm' } }] }],
        containers: [{ name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'k' } } }] }],
        volumes: [
          { name: 'proj', projected: { sources: [{ secret: { name: 'proj-secret' } }, { configMap: { name: 'proj-cm' } }] } },
          { name: 'eph', ephemeral: { volumeClaimTemplate: {} } },
          { name: 'ceph', cephfs: { monitors: ['m'], secretRef: { name: 'ceph-secret' } } },
        ],
      },
    });
    expect(refs.secrets.sort()).toEqual(['ceph-secret', 'init-env', 'proj-secret', 'pull']);
    expect(refs.configMaps.sort()).toEqual(['env-cm', 'init-cm', 'proj-cm']);
    expect(refs.pvcs).toEqual(['p-eph']);
    expect(refs.serviceAccount).toBe('default');
    expect(refs.nodeName).toBe('');
  });

  it('forgets a pod\'s bindings when it moves or goes', () => {
    const g = new PodGraph();
    const a = pod('ns', 'a', 'n1', { volumes: [{ name: 's', secret: { secretName: 'sec' } }] });
    g.update(undefined, a);
    expect(g.related('n1', 'secret', 'ns', 'sec')).toBe(true);
    g.update(a, undefined);
    expect(g.related('n1', 'secret', 'ns', 'sec')).toBe(false);
    expect(g.pod('ns', 'a')).toBeUndefined();
  });
});
