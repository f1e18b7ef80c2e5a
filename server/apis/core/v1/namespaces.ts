// core/v1 Namespace: cluster-scoped; status.phase Active until deletion marks it Terminating,
// and the `kubernetes` finalizer in spec.finalizers holds it until its content is gone.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { nameIsDNSLabel } from '../../../../machinery/validation.ts';
import { defineResource, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';

type Namespace = KubeObject & { spec?: { finalizers?: string[] }; status?: { phase?: string } };

export const namespaces = defineResource<Namespace>({
  group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', singular: 'namespace',
  namespaced: false, shortNames: ['ns'], model: 'V1Namespace',
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  returnDeletedObject: true,
  // PUT /finalize changes spec.finalizers only: the namespace controller's last step.
  extraSubresources: [{ name: 'finalize', kind: 'Namespace', verbs: ['update'], update: (ns, old) => ({ ...old, spec: { ...old.spec, finalizers: ns.spec?.finalizers ?? [] } }) }],
  fieldSelectors: { 'status.phase': (o) => o.status?.phase },
  strategy: {
    nameValidator: nameIsDNSLabel,
    deletionPending: (ns) => (ns.spec?.finalizers ?? []).length > 0,
    markDeleting(ns) {
      ns.status = { ...ns.status, phase: 'Terminating' };
    },
    prepareForCreate(ns) {
      ns.status = { phase: 'Active' };
      const fins = new Set(ns.spec?.finalizers ?? []);
      fins.add('kubernetes');
      ns.spec = { ...ns.spec, finalizers: [...fins] };
    },
    prepareForUpdate(ns, old) {
      ns.spec = structuredClone(old.spec ?? {});
      ns.status = structuredClone(old.status ?? {});
    },
    defaults(ns) {
      ns.metadata!.labels = { ...ns.metadata!.labels, 'kubernetes.io/metadata.name': ns.metadata!.name! };
    },
    validate(ns) {
      const errs = [];
      const label = ns.metadata?.labels?.['kubernetes.io/metadata.name'];
      if (label !== undefined && label !== ns.metadata?.name) {
        errs.push(field.invalid(FieldPath.root('metadata', 'labels').key('kubernetes.io/metadata.name'), label, `must be ${ns.metadata?.name}`));
      }
      return errs;
    },
  },
  status: {
    prepareForUpdate(ns, old) {
      ns.spec = structuredClone(old.spec ?? {});
    },
  },
  table: {
    columns: [nameColumn, { name: 'Status', type: 'string', description: 'The phase of the namespace.' }, ageColumn],
    row: (ns, now) => [ns.metadata?.name ?? '', ns.status?.phase ?? '', age(ns, now)],
  },
});
