import { describe, expect, it } from 'vitest';
import { builtinPatchSchema } from './builtin-schema.ts';
import { PatchError } from './errors.ts';
import { type PatchSchema, applyStrategicMergePatch } from './strategic.ts';

const deployment = builtinPatchSchema('Deployment', 'apps')!;
const pod = builtinPatchSchema('Pod', '')!;

// A small recursive type in the shape of upstream's strategicpatch test struct.
const scalar: PatchSchema = { kind: 'primitive' };
const itemFields: Record<string, PatchSchema> = {};
const item: PatchSchema = { kind: 'object', fields: itemFields };
Object.assign(itemFields, {
  mergingList: { kind: 'list', elem: item, patchStrategy: 'merge', patchMergeKey: 'name' },
  nonMergingList: { kind: 'list', elem: item },
  mergingIntList: { kind: 'list', elem: scalar, patchStrategy: 'merge' },
  nonMergingIntList: { kind: 'list', elem: scalar },
  simpleMap: { kind: 'map', elem: scalar },
  replacingItem: { kind: 'object', fields: {}, patchStrategy: 'replace' },
  retainKeysMap: { kind: 'object', fields: itemFields, patchStrategy: 'retainKeys' },
  retainKeysMergingList: { kind: 'list', elem: item, patchStrategy: 'merge,retainKeys', patchMergeKey: 'name' },
});

interface Case {
  name: string;
  schema?: PatchSchema;
  doc: unknown;
  patch: unknown;
  want: unknown;
}

function dep(podSpec: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'patch-demo' },
    spec: { replicas: 2, ...extra, template: { metadata: { labels: { app: 'nginx' } }, spec: podSpec } },
  };
}

function podSpec(spec: Record<string, unknown>): Record<string, unknown> {
  return { spec: { template: { spec } } };
}

// Upstream's documented examples ("Update API Objects in Place Using kubectl patch",
// the strategic merge patch design docs) against the built-in schema.
const documented: Case[] = [
  {
    name: 'merges containers by name; a new container comes first',
    schema: deployment,
    doc: dep({ containers: [{ name: 'patch-demo-ctr', image: 'nginx' }] }),
    patch: podSpec({ containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] }),
    want: dep({
      containers: [
        { name: 'patch-demo-ctr-2', image: 'redis' },
        { name: 'patch-demo-ctr', image: 'nginx' },
      ],
    }),
  },
  {
    name: 'replaces tolerations, which have no patch strategy',
    schema: deployment,
    doc: dep({
      containers: [{ name: 'c', image: 'nginx' }],
      tolerations: [{ effect: 'NoSchedule', key: 'dedicated', value: 'test-team' }],
    }),
    patch: podSpec({ tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }] }),
    want: dep({
      containers: [{ name: 'c', image: 'nginx' }],
      tolerations: [{ effect: 'NoSchedule', key: 'disktype', value: 'ssd' }],
    }),
  },
  {
    name: 'merges into an existing container by name',
    schema: deployment,
    doc: dep({ containers: [{ name: 'a', image: 'nginx:1', ports: [{ containerPort: 80 }] }, { name: 'b', image: 'x' }] }),
    patch: podSpec({ containers: [{ name: 'a', image: 'nginx:2' }] }),
    want: dep({ containers: [{ name: 'a', image: 'nginx:2', ports: [{ containerPort: 80 }] }, { name: 'b', image: 'x' }] }),
  },
  {
    name: 'deletes a container with $patch: delete',
    schema: deployment,
    doc: dep({ containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] }),
    patch: podSpec({ containers: [{ name: 'a', $patch: 'delete' }] }),
    want: dep({ containers: [{ name: 'b', image: 'y' }] }),
  },
  {
    name: 'replaces the whole containers list with $patch: replace',
    schema: deployment,
    doc: dep({ containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] }),
    patch: podSpec({ containers: [{ name: 'c', image: 'z' }, { $patch: 'replace' }] }),
    want: dep({ containers: [{ name: 'c', image: 'z' }] }),
  },
  {
    name: 'replaces a map with $patch: replace',
    schema: deployment,
    doc: dep({ containers: [], nodeSelector: { a: '1', b: '2' } }),
    patch: podSpec({ nodeSelector: { c: '3', $patch: 'replace' } }),
    want: dep({ containers: [], nodeSelector: { c: '3' } }),
  },
  {
    name: 'deletes a map with $patch: delete',
    schema: deployment,
    doc: dep({ containers: [], securityContext: { runAsUser: 1 } }),
    patch: podSpec({ securityContext: { $patch: 'delete' } }),
    want: dep({ containers: [], securityContext: {} }),
  },
  {
    name: '$retainKeys on the deployment strategy clears rollingUpdate',
    schema: deployment,
    doc: dep({ containers: [] }, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } }),
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    want: dep({ containers: [] }, { strategy: { type: 'Recreate' } }),
  },
  {
    name: '$retainKeys on a volume switches its source',
    schema: deployment,
    doc: dep({ containers: [], volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }] }),
    patch: podSpec({ volumes: [{ name: 'data', hostPath: { path: '/d' }, $retainKeys: ['hostPath', 'name'] }] }),
    want: dep({
      containers: [],
      volumes: [{ name: 'data', hostPath: { path: '/d' } }, { name: 'cfg', configMap: { name: 'c' } }],
    }),
  },
  {
    name: '$deleteFromPrimitiveList removes finalizers',
    schema: pod,
    doc: { metadata: { name: 'p', finalizers: ['a/x', 'b/y', 'c/z'] } },
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b/y'] } },
    want: { metadata: { name: 'p', finalizers: ['a/x', 'c/z'] } },
  },
  {
    name: 'finalizers merge as a set (patchStrategy merge on strings)',
    schema: pod,
    doc: { metadata: { finalizers: ['a', 'b'] } },
    patch: { metadata: { finalizers: ['b', 'c'] } },
    want: { metadata: { finalizers: ['a', 'b', 'c'] } },
  },
  {
    name: '$setElementOrder orders containers',
    schema: pod,
    doc: { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '2' }, { name: 'c', image: '3' }] } },
    patch: {
      spec: {
        '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }, { name: 'b' }],
        containers: [{ name: 'a', image: '1.1' }],
      },
    },
    want: { spec: { containers: [{ name: 'c', image: '3' }, { name: 'a', image: '1.1' }, { name: 'b', image: '2' }] } },
  },
  {
    name: '$setElementOrder puts a new env var where the patch says',
    schema: pod,
    doc: { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }, { name: 'Z', value: '3' }] }] } },
    patch: {
      spec: {
        '$setElementOrder/containers': [{ name: 'a' }],
        containers: [
          {
            name: 'a',
            '$setElementOrder/env': [{ name: 'X' }, { name: 'Y' }, { name: 'Z' }],
            env: [{ name: 'Y', value: '2' }],
          },
        ],
      },
    },
    want: {
      spec: {
        containers: [
          {
            name: 'a',
            env: [
              { name: 'X', value: '1' },
              { name: 'Y', value: '2' },
              { name: 'Z', value: '3' },
            ],
          },
        ],
      },
    },
  },
  {
    name: 'null deletes a label; other labels stay',
    schema: pod,
    doc: { metadata: { labels: { a: '1', b: '2' } } },
    patch: { metadata: { labels: { a: null, c: '3' } } },
    want: { metadata: { labels: { b: '2', c: '3' } } },
  },
  {
    name: 'env merges by name and ports by containerPort',
    schema: pod,
    doc: {
      spec: {
        containers: [
          {
            name: 'web',
            env: [{ name: 'A', value: '1' }],
            ports: [{ containerPort: 80, protocol: 'TCP' }],
          },
        ],
      },
    },
    patch: {
      spec: {
        containers: [
          {
            name: 'web',
            env: [{ name: 'A', value: '2' }, { name: 'B', value: 'x' }],
            ports: [{ containerPort: 443 }],
          },
        ],
      },
    },
    want: {
      spec: {
        containers: [
          {
            name: 'web',
            env: [{ name: 'A', value: '2' }, { name: 'B', value: 'x' }],
            ports: [{ containerPort: 443 }, { containerPort: 80, protocol: 'TCP' }],
          },
        ],
      },
    },
  },
  {
    name: 'envFrom (no strategy) is replaced',
    schema: pod,
    doc: { spec: { containers: [{ name: 'a', envFrom: [{ configMapRef: { name: 'x' } }] }] } },
    patch: { spec: { containers: [{ name: 'a', envFrom: [{ secretRef: { name: 'y' } }] }] } },
    want: { spec: { containers: [{ name: 'a', envFrom: [{ secretRef: { name: 'y' } }] }] } },
  },
  {
    name: 'a null inside a merged container deletes the field',
    schema: pod,
    doc: { spec: { containers: [{ name: 'a', image: 'x', command: ['sh'] }] } },
    patch: { spec: { containers: [{ name: 'a', command: null }] } },
    want: { spec: { containers: [{ name: 'a', image: 'x' }] } },
  },
  {
    name: 'ownerReferences merge by uid',
    schema: pod,
    doc: { metadata: { ownerReferences: [{ uid: '1', name: 'a' }] } },
    patch: { metadata: { ownerReferences: [{ uid: '2', name: 'b' }, { uid: '1', controller: true }] } },
    want: {
      metadata: {
        ownerReferences: [
          { uid: '2', name: 'b' },
          { uid: '1', name: 'a', controller: true },
        ],
      },
    },
  },
  {
    name: 'Service ports merge by port',
    schema: builtinPatchSchema('Service', '')!,
    doc: { spec: { ports: [{ port: 80, targetPort: 8080 }] } },
    patch: { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } },
    want: { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } },
  },
  {
    name: 'Node conditions merge by type (status patch of the kubelet)',
    schema: builtinPatchSchema('Node', '')!,
    doc: { status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'MemoryPressure', status: 'False' }] } },
    patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    want: { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'MemoryPressure', status: 'False' }] } },
  },
  {
    name: 'Node taints (no strategy) are replaced',
    schema: builtinPatchSchema('Node', '')!,
    doc: { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] } },
    patch: { spec: { taints: [{ key: 'b', effect: 'NoExecute' }] } },
    want: { spec: { taints: [{ key: 'b', effect: 'NoExecute' }] } },
  },
  {
    name: 'kubectl apply three-way patch: set order, retainKeys, nulls and a deletion',
    schema: deployment,
    doc: dep({
      containers: [
        { name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }, { name: 'OLD', value: 'x' }] },
        { name: 'sidecar', image: 'side:1' },
      ],
      volumes: [{ name: 'v', emptyDir: {} }],
    }),
    patch: {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'app' }],
            '$setElementOrder/volumes': [{ name: 'v' }],
            containers: [
              {
                name: 'app',
                image: 'app:2',
                '$setElementOrder/env': [{ name: 'A' }],
                env: [{ name: 'OLD', $patch: 'delete' }],
              },
              { name: 'sidecar', $patch: 'delete' },
            ],
            volumes: [{ name: 'v', $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' }, emptyDir: null }],
          },
        },
      },
    },
    want: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'patch-demo',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      },
      spec: {
        replicas: 2,
        template: {
          metadata: { labels: { app: 'nginx' } },
          spec: {
            containers: [{ name: 'app', image: 'app:2', env: [{ name: 'A', value: '1' }] }],
            volumes: [{ name: 'v', configMap: { name: 'cm' } }],
          },
        },
      },
    },
  },
  {
    name: 'fields the schema does not know merge like a JSON merge patch',
    schema: pod,
    doc: { spec: { unknownList: [1, 2], unknownMap: { a: 1, b: { c: 1 } } } },
    patch: { spec: { unknownList: [3], unknownMap: { a: null, b: { d: 2 } } } },
    want: { spec: { unknownList: [3], unknownMap: { b: { c: 1, d: 2 } } } },
  },
  {
    name: 'without any schema, lists are replaced and maps merged',
    doc: { spec: { containers: [{ name: 'a' }], x: { y: 1 } } },
    patch: { spec: { containers: [{ name: 'b' }], x: { z: 2 } } },
    want: { spec: { containers: [{ name: 'b' }], x: { y: 1, z: 2 } } },
  },
  {
    name: 'a null patch changes nothing',
    schema: pod,
    doc: { metadata: { name: 'p' } },
    patch: null,
    want: { metadata: { name: 'p' } },
  },
  {
    name: '$patch: replace at the top replaces the object',
    schema: pod,
    doc: { metadata: { name: 'p' }, spec: { a: 1 } },
    patch: { $patch: 'replace', metadata: { name: 'q' } },
    want: { metadata: { name: 'q' } },
  },
  {
    name: 'directives left inside an appended element are dropped like unknown fields',
    schema: pod,
    doc: { spec: { volumes: [{ name: 'a', emptyDir: {} }] } },
    patch: { spec: { volumes: [{ name: 'b', $retainKeys: ['name', 'secret'], secret: { secretName: 's', optional: null } }] } },
    want: { spec: { volumes: [{ name: 'b', secret: { secretName: 's' } }, { name: 'a', emptyDir: {} }] } },
  },
];

// Ordering and directive semantics from upstream's strategicpatch tests, on the small type.
const semantics: Case[] = [
  {
    name: 'merging int list: set union in patch order, live-only items placed by live order',
    doc: { mergingIntList: [1, 2] },
    patch: { mergingIntList: [2, 3] },
    want: { mergingIntList: [1, 2, 3] },
  },
  {
    name: 'merging int list: new items lead live-only items they are not ordered against',
    doc: { mergingIntList: [1, 2] },
    patch: { mergingIntList: [3] },
    want: { mergingIntList: [3, 1, 2] },
  },
  {
    name: 'non-merging int list is replaced',
    doc: { nonMergingIntList: [1, 2] },
    patch: { nonMergingIntList: [2, 3] },
    want: { nonMergingIntList: [2, 3] },
  },
  {
    name: 'adds an item and preserves order via $setElementOrder',
    doc: { mergingList: [{ name: 1, other: 'a' }, { name: 2, value: 2, other: 'b' }] },
    patch: {
      '$setElementOrder/mergingList': [{ name: 1 }, { name: 4 }, { name: 2 }, { name: 3 }],
      mergingList: [{ name: 4, value: 4 }, { name: 3, value: 3 }],
    },
    want: {
      mergingList: [
        { name: 1, other: 'a' },
        { name: 4, value: 4 },
        { name: 2, value: 2, other: 'b' },
        { name: 3, value: 3 },
      ],
    },
  },
  {
    name: 'a server-only item goes before the first ordered item that follows it live',
    doc: { mergingList: [{ name: 1 }, { name: 2 }, { name: 9 }, { name: 3 }] },
    patch: { '$setElementOrder/mergingList': [{ name: 3 }, { name: 1 }, { name: 2 }] },
    want: { mergingList: [{ name: 9 }, { name: 3 }, { name: 1 }, { name: 2 }] },
  },
  {
    name: 'a server-only item stays after the ordered items it followed live',
    doc: { mergingList: [{ name: 1 }, { name: 2 }, { name: 9 }] },
    patch: { '$setElementOrder/mergingList': [{ name: 2 }, { name: 1 }] },
    want: { mergingList: [{ name: 2 }, { name: 1 }, { name: 9 }] },
  },
  {
    name: 'deleting and adding with $setElementOrder sees upstream slice reuse',
    doc: { mergingList: [{ name: 1 }, { name: 2, other: 'b' }, { name: 4, other: 'c' }] },
    patch: {
      '$setElementOrder/mergingList': [{ name: 2 }, { name: 3 }],
      mergingList: [{ name: 3 }, { name: 1, $patch: 'delete' }],
    },
    want: { mergingList: [{ name: 2, other: 'b' }, { name: 4, other: 'c' }, { name: 3 }] },
  },
  {
    name: '$setElementOrder for an int list',
    doc: { mergingIntList: [1, 2, 3] },
    patch: { '$setElementOrder/mergingIntList': [3, 2, 1] },
    want: { mergingIntList: [3, 2, 1] },
  },
  {
    name: '$setElementOrder naming items that are not there adds nothing',
    doc: { mergingList: [{ name: 1 }, { name: 3 }] },
    patch: {
      '$setElementOrder/mergingList': [{ name: 3 }, { name: 2 }, { name: 1 }],
      mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }],
    },
    want: { mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }] },
  },
  {
    name: '$deleteFromPrimitiveList of a missing item changes nothing',
    doc: { mergingIntList: [1, 2] },
    patch: { '$deleteFromPrimitiveList/mergingIntList': [3] },
    want: { mergingIntList: [1, 2] },
  },
  {
    name: '$deleteFromPrimitiveList on a missing list adds no list',
    doc: { foo: ['bar'] },
    patch: { '$deleteFromPrimitiveList/mergingIntList': [3] },
    want: { foo: ['bar'] },
  },
  {
    name: '$deleteFromPrimitiveList works on a list without merge strategy',
    doc: { nonMergingIntList: [1, 2, 3] },
    patch: { '$deleteFromPrimitiveList/nonMergingIntList': [2] },
    want: { nonMergingIntList: [1, 3] },
  },
  {
    name: '$deleteFromPrimitiveList deletes every duplicate',
    doc: { mergingIntList: [1, 2, 2, 3] },
    patch: { '$deleteFromPrimitiveList/mergingIntList': [2] },
    want: { mergingIntList: [1, 3] },
  },
  {
    name: 'delete of a missing item is a no-op',
    doc: { mergingList: [{ name: 1 }] },
    patch: { mergingList: [{ name: 2, $patch: 'delete' }] },
    want: { mergingList: [{ name: 1 }] },
  },
  {
    name: 'replace strategy replaces a map',
    doc: { replacingItem: { a: 1, b: 2 } },
    patch: { replacingItem: { c: 3 } },
    want: { replacingItem: { c: 3 } },
  },
  {
    name: 'retainKeys map clears fields not listed',
    doc: { retainKeysMap: { name: 'foo', value: 'bar', other: 'x' } },
    patch: { retainKeysMap: { $retainKeys: ['name', 'value'], value: 'baz' } },
    want: { retainKeysMap: { name: 'foo', value: 'baz' } },
  },
  {
    name: 'retainKeys list of maps clears a field in the matched item',
    doc: { retainKeysMergingList: [{ name: 1, value: 'a', other: 'b' }, { name: 2 }] },
    patch: { retainKeysMergingList: [{ name: 1, $retainKeys: ['name', 'value'] }] },
    want: { retainKeysMergingList: [{ name: 1, value: 'a' }, { name: 2 }] },
  },
  {
    name: 'nested merging list inside a merging list',
    doc: { mergingList: [{ name: 1, mergingList: [{ name: 'a', value: 'x' }] }] },
    patch: { mergingList: [{ name: 1, mergingList: [{ name: 'a', other: 'y' }, { name: 'b' }] }] },
    want: { mergingList: [{ name: 1, mergingList: [{ name: 'a', value: 'x', other: 'y' }, { name: 'b' }] }] },
  },
  {
    name: 'merging list nested in a non-merging list is replaced with it',
    doc: { nonMergingList: [{ name: 1, mergingList: [{ name: 'a' }] }] },
    patch: { nonMergingList: [{ name: 1, mergingList: [{ name: 'b' }] }] },
    want: { nonMergingList: [{ name: 1, mergingList: [{ name: 'b' }] }] },
  },
  {
    name: 'a list added to a map without one loses $patch items and nulls',
    doc: {},
    patch: { mergingList: [{ name: 1, value: null }, { name: 2, $patch: 'delete' }] },
    want: { mergingList: [{ name: 1 }] },
  },
  {
    name: 'a type change replaces the value',
    doc: { simpleMap: 'x' },
    patch: { simpleMap: { a: '1', b: null } },
    want: { simpleMap: { a: '1' } },
  },
];

describe('applyStrategicMergePatch', () => {
  it.each(documented)('$name', ({ schema, doc, patch, want }) => {
    expect(applyStrategicMergePatch(doc, patch, schema)).toStrictEqual(want);
  });

  it.each(semantics)('$name', ({ doc, patch, want }) => {
    expect(applyStrategicMergePatch(doc, patch, item)).toStrictEqual(want);
  });

  it('never modifies its arguments', () => {
    const doc = dep({ containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] });
    const patch = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }],
            containers: [{ name: 'c', image: 'z' }, { name: 'b', $patch: 'delete' }, { name: 'a', image: null }],
          },
        },
      },
    };
    const d = structuredClone(doc);
    const p = structuredClone(patch);
    applyStrategicMergePatch(doc, patch, deployment);
    expect(doc).toStrictEqual(d);
    expect(patch).toStrictEqual(p);
  });
});

interface ErrCase {
  name: string;
  doc: unknown;
  patch: unknown;
  code: number;
  message: string;
  detail?: string;
}

const errors: ErrCase[] = [
  {
    name: '$retainKeys that is not a list',
    doc: { retainKeysMap: {} },
    patch: { retainKeysMap: { $retainKeys: 'name' } },
    code: 400,
    message: 'invalid patch format of retainKeys',
  },
  {
    name: 'a patch field missing from $retainKeys',
    doc: { retainKeysMap: { name: 'a' } },
    patch: { retainKeysMap: { $retainKeys: ['name'], value: 'x' } },
    code: 400,
    message: 'invalid patch format of retainKeys',
  },
  {
    name: '$deleteFromPrimitiveList without a field',
    doc: {},
    patch: { $deleteFromPrimitiveList: [1] },
    code: 400,
    message: 'invalid patch format of primitive list',
  },
  {
    name: '$setElementOrder with a bad prefix',
    doc: {},
    patch: { '$setElementOrderX/mergingList': [] },
    code: 400,
    message: 'invalid patch format of setElementOrder list',
  },
  {
    name: 'a list of lists',
    doc: { mergingIntList: [[1]] },
    patch: { mergingIntList: [[2]] },
    code: 422,
    message: 'the server rejected our request due to an error in our request',
    detail: 'lists of lists are not supported',
  },
  {
    name: 'a list item without the merge key',
    doc: { mergingList: [{ name: 1, value: 'a' }] },
    patch: { mergingList: [{ value: 'b' }] },
    code: 500,
    message: 'map: map[value:b] does not contain declared merge key: name',
  },
  {
    name: '$setElementOrder that contradicts the patch list',
    doc: { mergingList: [{ name: 1 }, { name: 3 }, { name: 2 }] },
    patch: {
      '$setElementOrder/mergingList': [{ name: 1 }, { name: 2 }, { name: 3 }],
      mergingList: [{ name: 3, value: 3 }, { name: 1, value: 1 }],
    },
    code: 500,
    message:
      "The order in patch list:\n[map[name:3 value:3] map[name:1 value:1]]\n doesn't match $setElementOrder list:\n[map[name:1] map[name:2] map[name:3]]\n",
  },
  {
    name: '$patch: merge in a list',
    doc: { mergingList: [{ name: 1 }] },
    patch: { mergingList: [{ $patch: 'merge' }] },
    code: 500,
    message: 'merging lists cannot yet be specified in the patch',
  },
  {
    name: 'an unknown $patch on a map',
    doc: { simpleMap: {} },
    patch: { simpleMap: { $patch: 'bogus', a: '1' } },
    code: 500,
    message: 'unknown patch type: bogus in map: map[$patch:bogus a:1]',
  },
  {
    name: 'mixed item types in a merging list',
    doc: { mergingIntList: [1] },
    patch: { mergingIntList: ['a'] },
    code: 500,
    message: 'list element types are not identical: [[1] [a]]',
  },
  {
    name: 'a patch that is a list',
    doc: {},
    patch: [1],
    code: 400,
    message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
  },
];

describe('applyStrategicMergePatch errors', () => {
  it.each(errors)('$name → $code', ({ doc, patch, code, message, detail }) => {
    let err: unknown;
    try {
      applyStrategicMergePatch(doc, patch, item);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PatchError);
    const pe = err as PatchError;
    expect(pe.code).toBe(code);
    expect(pe.message).toBe(message);
    if (detail !== undefined) expect(pe.detail).toBe(detail);
    expect(pe.reason).toBe(code === 400 ? 'BadRequest' : code === 422 ? 'Invalid' : '');
  });
});
