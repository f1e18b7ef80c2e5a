// node.k8s.io/v1 RuntimeClass: a container runtime configuration (handler) pods can ask for,
// with the pod overhead it adds and where such pods may be scheduled.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { parseQuantity } from '../../../../machinery/quantity.ts';
import { isQualifiedName, isValidLabelValue, nameIsDNSLabel, validateImmutableField, validateLabelName, validateLabels } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { canonicalizeResourceList } from '../../common/intstr.ts';

interface Toleration { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }
type RuntimeClass = KubeObject & {
  handler?: string;
  overhead?: { podFixed?: Record<string, string> };
  scheduling?: { nodeSelector?: Record<string, string>; tolerations?: Toleration[] };
};

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);
const standardResources = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory',
  'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'persistentvolumeclaims',
  'configmaps', 'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers',
]);
const isStandardResourceName = (n: string) =>
  standardResources.has(n) || n.startsWith('hugepages-') || n.startsWith('requests.hugepages-') || n.startsWith('limits.hugepages-');

/** Upstream's ValidateResourceRequirements on {limits: podFixed}: standard names, non-negative values. */
function validateOverhead(podFixed: Record<string, string> | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, value] of Object.entries(podFixed ?? {})) {
    const p = path.child('limits').key(name);
    const nameErrs = isQualifiedName(name).map((m) => field.invalid(p, name, m));
    if (nameErrs.length === 0 && !name.includes('/') && !isStandardResourceName(name)) {
      nameErrs.push(field.invalid(p, name, 'must be a standard resource type or fully qualified'));
    }
    errs.push(...nameErrs);
    if (!name.includes('/') && !standardContainerResources.has(name) && !name.startsWith('hugepages-')) {
      errs.push(field.invalid(p, name, 'must be a standard resource for containers'));
    }
    try {
      const q = parseQuantity(String(value));
      if (q.sign() < 0) errs.push(field.invalid(p, q.toString(), 'must be greater than or equal to 0'));
    } catch {
      // Not a quantity: upstream fails while decoding the body.
    }
  }
  return errs;
}

const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Upstream's core ValidateTolerations. */
export function validateTolerations(tolerations: Toleration[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const p = path.index(i);
    const key = t.key ?? '', op = t.operator ?? '', value = t.value ?? '', effect = t.effect ?? '';
    if (key.length > 0) errs.push(...validateLabelName(key, p.child('key')));
    if (key.length === 0 && op !== 'Exists') {
      errs.push(field.invalid(p.child('operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && effect !== 'NoExecute') {
      errs.push(field.invalid(p.child('effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (op) {
      case 'Equal':
      case '': {
        const msgs = isValidLabelValue(value);
        if (msgs.length) errs.push(field.invalid(p.child('operator'), value, msgs.join(';')));
        break;
      }
      case 'Exists':
        if (value.length > 0) errs.push(field.invalid(p.child('operator'), t, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(field.notSupported(p.child('operator'), op, ['Equal', 'Exists']));
    }
    if (effect.length > 0 && !effects.includes(effect)) errs.push(field.notSupported(p.child('effect'), effect, effects));
  });
  return errs;
}

export function validateRuntimeClass(rc: RuntimeClass): FieldError[] {
  const handler = rc.handler ?? '';
  const errs = nameIsDNSLabel(handler, false).map((m) => field.invalid(FieldPath.root('handler'), handler, m));
  if (rc.overhead) errs.push(...validateOverhead(rc.overhead.podFixed, FieldPath.root('overhead')));
  if (rc.scheduling) {
    if (rc.scheduling.nodeSelector) errs.push(...validateLabels(rc.scheduling.nodeSelector, FieldPath.root('scheduling', 'nodeSelector')));
    errs.push(...validateTolerations(rc.scheduling.tolerations, FieldPath.root('scheduling', 'tolerations')));
  }
  return errs;
}

export const runtimeclasses = defineResource<RuntimeClass>({
  group: 'node.k8s.io', version: 'v1', kind: 'RuntimeClass', plural: 'runtimeclasses', singular: 'runtimeclass',
  namespaced: false, model: 'V1RuntimeClass',
  strategy: {
    // The overhead is a resource list: rounded to milli units and canonical (SetDefaults_ResourceList).
    defaults: (rc) => canonicalizeResourceList(rc.overhead?.podFixed),
    validate: (rc) => validateRuntimeClass(rc),
    validateUpdate: (rc, old) => validateImmutableField(rc.handler ?? '', old.handler ?? '', FieldPath.root('handler')),
  },
  table: {
    columns: [nameColumn, { name: 'Handler', type: 'string', description: 'The runtime handler the class selects.' }, ageColumn],
    row: (rc, now) => [rc.metadata?.name ?? '', rc.handler ?? '', age(rc, now)],
  },
});
