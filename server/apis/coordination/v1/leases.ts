// coordination.k8s.io/v1 Lease: a holder, a duration and renew times that components use for
// leader election and node heartbeats. Upstream allows creating one by PUT and requires the
// resourceVersion on every update (leaseStrategy).
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';

type Lease = KubeObject & {
  spec?: {
    holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string;
    leaseTransitions?: number; strategy?: string; preferredHolder?: string;
  };
};

export function validateLeaseSpec(spec: Lease['spec'], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (spec?.leaseDurationSeconds !== undefined && spec.leaseDurationSeconds !== null && spec.leaseDurationSeconds <= 0) {
    errs.push(field.invalid(path.child('leaseDurationSeconds'), spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (spec?.leaseTransitions !== undefined && spec.leaseTransitions !== null && spec.leaseTransitions < 0) {
    errs.push(field.invalid(path.child('leaseTransitions'), spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  return errs;
}

export const leases = defineResource<Lease>({
  group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', singular: 'lease',
  namespaced: true, model: 'V1Lease',
  strategy: {
    allowCreateOnUpdate: true,
    allowUnconditionalUpdate: false,
    // strategy and preferredHolder belong to the CoordinatedLeaderElection gate, off in 1.32:
    // dropped on create, and on update unless the stored lease already uses them.
    prepareForCreate(lease) {
      if (lease.spec) { delete lease.spec.strategy; delete lease.spec.preferredHolder; }
    },
    prepareForUpdate(lease, old) {
      if (!lease.spec) return;
      if (old.spec?.strategy === undefined) delete lease.spec.strategy;
      if (old.spec?.preferredHolder === undefined) delete lease.spec.preferredHolder;
    },
    validate: (lease) => validateLeaseSpec(lease.spec, FieldPath.root('spec')),
  },
  table: {
    columns: [nameColumn, { name: 'Holder', type: 'string', description: 'The identity of the current holder of the lease.' }, ageColumn],
    row: (l, now) => [l.metadata?.name ?? '', l.spec?.holderIdentity ?? '', age(l, now)],
  },
});
