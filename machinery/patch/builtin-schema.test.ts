import { describe, expect, it } from 'vitest';
import { builtinPatchSchema, builtinPatchSchemaKinds, podSpecSchema, podTemplateSpecSchema } from './builtin-schema.ts';
import type { PatchSchema } from './strategic.ts';

/** Walks field names (and "[]" for list items) from a schema. */
function at(schema: PatchSchema | undefined, path: string): PatchSchema | undefined {
  let s = schema;
  for (const part of path.split('.')) {
    if (!s) return undefined;
    if (part === '[]') s = s.elem;
    else if (s.kind === 'map') s = s.elem;
    else s = s.fields?.[part];
  }
  return s;
}

// From k8s.io/api struct tags: field → patchStrategy, patchMergeKey, listType, listMapKeys.
const podSpecLists: [string, string | undefined, string | undefined, string, string[] | undefined][] = [
  ['containers', 'merge', 'name', 'map', ['name']],
  ['initContainers', 'merge', 'name', 'map', ['name']],
  ['ephemeralContainers', 'merge', 'name', 'map', ['name']],
  ['containers.[].env', 'merge', 'name', 'map', ['name']],
  ['containers.[].envFrom', undefined, undefined, 'atomic', undefined],
  ['containers.[].ports', 'merge', 'containerPort', 'map', ['containerPort', 'protocol']],
  ['containers.[].volumeMounts', 'merge', 'mountPath', 'map', ['mountPath']],
  ['containers.[].volumeDevices', 'merge', 'devicePath', 'map', ['devicePath']],
  ['containers.[].command', undefined, undefined, 'atomic', undefined],
  ['initContainers.[].env', 'merge', 'name', 'map', ['name']],
  ['ephemeralContainers.[].volumeMounts', 'merge', 'mountPath', 'map', ['mountPath']],
  ['volumes', 'merge,retainKeys', 'name', 'map', ['name']],
  ['imagePullSecrets', 'merge', 'name', 'map', ['name']],
  ['tolerations', undefined, undefined, 'atomic', undefined],
  ['hostAliases', 'merge', 'ip', 'map', ['ip']],
  ['readinessGates', undefined, undefined, 'atomic', undefined],
  ['topologySpreadConstraints', 'merge', 'topologyKey', 'map', ['topologyKey', 'whenUnsatisfiable']],
  ['resourceClaims', 'merge,retainKeys', 'name', 'map', ['name']],
  ['schedulingGates', 'merge', 'name', 'map', ['name']],
];

describe('builtinPatchSchema', () => {
  it.each(podSpecLists)('PodSpec.%s is %s by %s', (path, strategy, key, listType, keys) => {
    const f = at(podSpecSchema, path)!;
    expect(f.kind).toBe('list');
    expect(f.patchStrategy).toBe(strategy);
    expect(f.patchMergeKey).toBe(key);
    expect(f.listType).toBe(listType);
    expect(f.listMapKeys).toStrictEqual(keys);
  });

  it.each([
    ['Pod', '', 'spec'],
    ['PodTemplate', '', 'template.spec'],
    ['ReplicationController', '', 'spec.template.spec'],
    ['Deployment', 'apps', 'spec.template.spec'],
    ['ReplicaSet', 'apps', 'spec.template.spec'],
    ['StatefulSet', 'apps', 'spec.template.spec'],
    ['DaemonSet', 'apps', 'spec.template.spec'],
    ['Job', 'batch', 'spec.template.spec'],
    ['CronJob', 'batch', 'spec.jobTemplate.spec.template.spec'],
  ])('%s reaches the one PodSpec schema at %s', (kind, group, path) => {
    expect(at(builtinPatchSchema(kind, group), path)).toBe(podSpecSchema);
  });

  it.each([
    ['Pod', '', 'status.conditions'],
    ['Node', '', 'status.conditions'],
    ['Node', '', 'status.addresses'],
    ['Deployment', 'apps', 'status.conditions'],
    ['ReplicaSet', 'apps', 'status.conditions'],
    ['StatefulSet', 'apps', 'status.conditions'],
    ['DaemonSet', 'apps', 'status.conditions'],
    ['Namespace', '', 'status.conditions'],
    ['PersistentVolumeClaim', '', 'status.conditions'],
    ['Service', '', 'status.conditions'],
    ['Job', 'batch', 'status.conditions'],
  ])('%s %s merges by type', (kind, group, path) => {
    const f = at(builtinPatchSchema(kind, group), path)!;
    expect(f.patchStrategy).toBe('merge');
    expect(f.patchMergeKey).toBe('type');
  });

  it('describes ObjectMeta on every kind', () => {
    for (const { kind, group } of builtinPatchSchemaKinds()) {
      const meta = at(builtinPatchSchema(kind, group), 'metadata')!;
      expect(meta.fields?.finalizers).toMatchObject({ patchStrategy: 'merge', listType: 'set' });
      expect(meta.fields?.ownerReferences).toMatchObject({ patchStrategy: 'merge', patchMergeKey: 'uid' });
      expect(meta.fields?.managedFields).toMatchObject({ listType: 'atomic' });
      expect(meta.fields?.labels?.kind).toBe('map');
    }
  });

  it('knows Service ports, Node taints and podCIDRs, and atomic selectors', () => {
    expect(at(builtinPatchSchema('Service', ''), 'spec.ports')).toMatchObject({
      patchStrategy: 'merge',
      patchMergeKey: 'port',
      listMapKeys: ['port', 'protocol'],
    });
    expect(at(builtinPatchSchema('Service', ''), 'spec.selector')).toMatchObject({ kind: 'map', mapType: 'atomic' });
    expect(at(builtinPatchSchema('Node', ''), 'spec.taints')).toMatchObject({ listType: 'atomic' });
    expect(at(builtinPatchSchema('Node', ''), 'spec.taints')?.patchStrategy).toBeUndefined();
    expect(at(builtinPatchSchema('Node', ''), 'spec.podCIDRs')).toMatchObject({ patchStrategy: 'merge', listType: 'set' });
    expect(at(builtinPatchSchema('Deployment', 'apps'), 'spec.selector')?.mapType).toBe('atomic');
    expect(at(builtinPatchSchema('Deployment', 'apps'), 'spec.strategy')?.patchStrategy).toBe('retainKeys');
    expect(at(podTemplateSpecSchema, 'spec.nodeSelector')).toMatchObject({ kind: 'map', mapType: 'atomic' });
  });

  it('matches by kind alone, or by group and kind', () => {
    expect(builtinPatchSchema('Deployment')).toBe(builtinPatchSchema('Deployment', 'apps'));
    expect(builtinPatchSchema('Deployment', 'example.com')).toBeUndefined();
    expect(builtinPatchSchema('Pod', 'apps')).toBeUndefined();
    expect(builtinPatchSchema('Widget')).toBeUndefined();
  });
});
