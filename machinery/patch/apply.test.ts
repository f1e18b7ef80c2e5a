import { describe, expect, it } from 'vitest';
import {
  FieldSet,
  type ManagedFieldsEntry,
  applyConfiguration,
  fieldPathString,
  fieldSetOf,
  fieldsV1FromSet,
  mergeApplied,
  setFromFieldsV1,
  updateManagedFields,
} from './apply.ts';
import { builtinPatchSchema } from './builtin-schema.ts';
import { PatchError } from './errors.ts';

const deployment = builtinPatchSchema('Deployment', 'apps')!;
const T0 = '2024-01-01T00:00:00Z';
const T1 = '2024-01-01T00:01:00Z';

function deploy(spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } }, spec };
}

const nginx = {
  replicas: 3,
  selector: { matchLabels: { app: 'web' } },
  template: {
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1', ports: [{ containerPort: 80 }] }] },
  },
};

describe('FieldsV1', () => {
  it('encodes the set of a server-side applied Deployment like upstream', () => {
    expect(fieldsV1FromSet(fieldSetOf(deploy(nginx), deployment))).toStrictEqual({
      'f:apiVersion': {},
      'f:kind': {},
      'f:metadata': { 'f:labels': { 'f:app': {} }, 'f:name': {} },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    });
  });

  it.each([
    [{ 'f:a': {} }, [['f:a']]],
    [{ 'f:a': { '.': {}, 'f:b': {} } }, [['f:a'], ['f:a', 'f:b']]],
    [{ 'f:finalizers': { 'v:"x"': {} } }, [['f:finalizers', 'v:"x"']]],
    [{ 'f:m': { 'f:labels': { 'f:x': {} } } }, [['f:m', 'f:labels', 'f:x']]],
  ])('round-trips %j', (fields, paths) => {
    const set = setFromFieldsV1(fields);
    expect(set.sorted()).toStrictEqual(paths);
    expect(fieldsV1FromSet(set)).toStrictEqual(fields);
  });

  it('rejects an unknown path element', () => {
    expect(() => setFromFieldsV1({ 'x:a': {} })).toThrow(PatchError);
  });

  it.each([
    [['f:spec', 'f:replicas'], '.spec.replicas'],
    [['f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'], '.spec.containers[name="web"].image'],
    [['f:ports', 'k:{"containerPort":80,"protocol":"TCP"}'], '.ports[containerPort=80,protocol="TCP"]'],
    [['f:metadata', 'f:finalizers', 'v:"a"'], '.metadata.finalizers[="a"]'],
  ])('prints %j as %s', (path, want) => {
    expect(fieldPathString(path)).toBe(want);
  });

  it('treats atomic lists, sets and granular maps as upstream does', () => {
    const set = fieldSetOf(
      { metadata: { finalizers: ['a'], annotations: {} }, spec: { template: { spec: { tolerations: [{ key: 'k' }] } } } },
      deployment,
    );
    expect(set.sorted()).toStrictEqual([
      ['f:metadata', 'f:annotations'],
      ['f:metadata', 'f:finalizers', 'v:"a"'],
      ['f:spec', 'f:template', 'f:spec', 'f:tolerations'],
    ]);
  });
});

describe('mergeApplied', () => {
  it('merges list-map items by key, keeping live-only items in place', () => {
    const live = { spec: { template: { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '2' }] } } } };
    const cfg = { spec: { template: { spec: { containers: [{ name: 'b', image: '3' }, { name: 'c', image: '4' }] } } } };
    expect(mergeApplied(live, cfg, deployment)).toStrictEqual({
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'a', image: '1' },
              { name: 'b', image: '3' },
              { name: 'c', image: '4' },
            ],
          },
        },
      },
    });
  });

  it('replaces atomic structs and lists', () => {
    const live = { spec: { selector: { matchLabels: { a: '1', b: '2' } } } };
    const cfg = { spec: { selector: { matchLabels: { a: '1' } } } };
    expect(mergeApplied(live, cfg, deployment)).toStrictEqual(cfg);
  });
});

function managed(obj: Record<string, unknown>): ManagedFieldsEntry[] {
  return (obj.metadata as { managedFields: ManagedFieldsEntry[] }).managedFields;
}

describe('applyConfiguration', () => {
  it('creates an object owned by the applier', () => {
    const out = applyConfiguration(undefined, deploy(nginx), deployment, { manager: 'kubectl', apiVersion: 'apps/v1', time: T0 });
    const mf = managed(out);
    expect(mf).toHaveLength(1);
    expect(mf[0]).toMatchObject({ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1' });
    expect(mf[0]!.fieldsV1['f:apiVersion']).toBeUndefined();
    expect((out.spec as { replicas: number }).replicas).toBe(3);
  });

  it('conflicts with an updater that owns a changed field: 409 with upstream message and causes', () => {
    const created = applyConfiguration(undefined, deploy(nginx), deployment, { manager: 'kubectl', apiVersion: 'apps/v1', time: T0 });
    const scaled = updateManagedFields(
      created,
      { ...created, spec: { ...(created.spec as object), replicas: 5 } },
      deployment,
      { manager: 'kube-controller-manager', apiVersion: 'apps/v1', time: T1 },
    );
    let err: unknown;
    try {
      applyConfiguration(scaled, deploy(nginx), deployment, { manager: 'kubectl', apiVersion: 'apps/v1', time: T1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PatchError);
    const pe = err as PatchError;
    expect(pe.code).toBe(409);
    expect(pe.reason).toBe('Conflict');
    expect(pe.message).toBe('Apply failed with 1 conflict: conflict with "kube-controller-manager" using apps/v1: .spec.replicas');
    expect(pe.details).toStrictEqual({
      causes: [{ type: 'FieldManagerConflict', message: 'conflict with "kube-controller-manager" using apps/v1', field: '.spec.replicas' }],
    });
  });

  it('takes the field with force and removes it from the other manager', () => {
    const created = applyConfiguration(undefined, deploy(nginx), deployment, { manager: 'kubectl', apiVersion: 'apps/v1', time: T0 });
    const scaled = updateManagedFields(
      created,
      { ...created, spec: { ...(created.spec as object), replicas: 5 } },
      deployment,
      { manager: 'hpa', apiVersion: 'apps/v1', time: T1 },
    );
    expect(managed(scaled).map((e) => e.manager)).toStrictEqual(['kubectl', 'hpa']);
    const out = applyConfiguration(scaled, deploy(nginx), deployment, { manager: 'kubectl', apiVersion: 'apps/v1', time: T1, force: true });
    expect((out.spec as { replicas: number }).replicas).toBe(3);
    expect(managed(out).map((e) => e.manager)).toStrictEqual(['kubectl']);
  });

  it('shares a field two appliers set to the same value', () => {
    const a = applyConfiguration(undefined, deploy(nginx), deployment, { manager: 'a', apiVersion: 'apps/v1', time: T0 });
    const b = applyConfiguration(a, deploy({ replicas: 3 }), deployment, { manager: 'b', apiVersion: 'apps/v1', time: T1 });
    expect(managed(b).map((e) => e.manager)).toStrictEqual(['a', 'b']);
    expect(managed(b)[1]!.fieldsV1['f:spec']).toStrictEqual({ 'f:replicas': {} });
  });

  it('lists several conflicts grouped by manager', () => {
    const a = applyConfiguration(undefined, deploy(nginx), deployment, { manager: 'a', apiVersion: 'apps/v1', time: T0 });
    let err: unknown;
    try {
      applyConfiguration(a, deploy({ ...nginx, replicas: 1, selector: { matchLabels: { app: 'x' } } }), deployment, {
        manager: 'b',
        apiVersion: 'apps/v1',
        time: T1,
      });
    } catch (e) {
      err = e;
    }
    expect((err as PatchError).message).toBe(
      'Apply failed with 2 conflicts: conflicts with "a":\n- .spec.replicas\n- .spec.selector',
    );
  });

  it('removes a field the applier stopped specifying', () => {
    const withCpu = deploy({
      ...nginx,
      template: {
        ...nginx.template,
        spec: { containers: [{ name: 'nginx', image: 'nginx:1', args: ['-v'] }, { name: 'side', image: 's' }] },
      },
    });
    const a = applyConfiguration(undefined, withCpu, deployment, { manager: 'kubectl', apiVersion: 'apps/v1', time: T0 });
    const b = applyConfiguration(a, deploy(nginx), deployment, { manager: 'kubectl', apiVersion: 'apps/v1', time: T1 });
    expect((b.spec as typeof nginx).template.spec.containers).toStrictEqual([
      { name: 'nginx', image: 'nginx:1', ports: [{ containerPort: 80 }] },
    ]);
  });

  it('gives the fields of an object without managedFields to before-first-apply', () => {
    let err: unknown;
    try {
      applyConfiguration(deploy({ replicas: 1 }), deploy({ replicas: 2 }), deployment, { manager: 'kubectl', apiVersion: 'apps/v1', time: T0 });
    } catch (e) {
      err = e;
    }
    expect((err as PatchError).message).toBe(
      'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas',
    );
  });
});

describe('updateManagedFields', () => {
  it('records an Update entry with the changed fields and the time', () => {
    const out = updateManagedFields(undefined, deploy({ replicas: 1 }), deployment, { manager: 'kubectl-create', apiVersion: 'apps/v1', time: T0 });
    expect(managed(out)).toStrictEqual([
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:replicas': {} } },
      },
    ]);
  });

  it('leaves managedFields alone when nothing changed', () => {
    const a = updateManagedFields(undefined, deploy({ replicas: 1 }), deployment, { manager: 'x', apiVersion: 'apps/v1', time: T0 });
    const b = updateManagedFields(a, a, deployment, { manager: 'y', apiVersion: 'apps/v1', time: T1 });
    expect(managed(b)).toStrictEqual(managed(a));
  });

  it('sorts Apply entries before Update entries', () => {
    const a = applyConfiguration(undefined, deploy({ replicas: 1 }), deployment, { manager: 'z', apiVersion: 'apps/v1', time: T1 });
    const b = updateManagedFields(a, { ...a, metadata: { ...(a.metadata as object), annotations: { x: '1' } } }, deployment, {
      manager: 'a',
      apiVersion: 'apps/v1',
      time: T0,
    });
    expect(managed(b).map((e) => `${e.operation}/${e.manager}`)).toStrictEqual(['Apply/z', 'Update/a']);
  });
});

describe('FieldSet', () => {
  it('supports union, difference and intersection', () => {
    const a = FieldSet.of([['f:a'], ['f:b']]);
    const b = FieldSet.of([['f:b'], ['f:c']]);
    expect(a.union(b).sorted()).toStrictEqual([['f:a'], ['f:b'], ['f:c']]);
    expect(a.difference(b).sorted()).toStrictEqual([['f:a']]);
    expect(a.intersection(b).sorted()).toStrictEqual([['f:b']]);
  });
});
