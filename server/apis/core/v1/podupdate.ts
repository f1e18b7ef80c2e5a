// What an update of a pod may change (upstream's ValidatePodUpdate and ValidatePodStatusUpdate in
// pkg/apis/core/validation/validation.go). A pod's spec is fixed once created except container
// images, a shorter activeDeadlineSeconds, added tolerations and removed scheduling gates;
// spec.nodeName is set by pods/binding only.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { goJSON } from '../../../../machinery/goformat.ts';
import { isDNS1123Subdomain, isQualifiedName, validateImmutableField, validateIP } from '../../../../machinery/validation.ts';
import type { FieldError } from '../../types.ts';
import type { Container, Pod, PodSpec, Toleration } from './pods.ts';

/** The fields upstream names in its refusal (1.32, InPlacePodVerticalScaling off). */
const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

const MAX_INT32 = 2147483647;

/** Upstream's ValidateContainerUpdates: same count, every image set and without surrounding spaces. */
function validateContainerUpdates(next: Container[] | undefined, old: Container[] | undefined, path: FieldPath): { errs: FieldError[]; stop: boolean } {
  const n = next ?? [];
  if (n.length !== (old ?? []).length) return { errs: [field.forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  n.forEach((c, i) => {
    const image = c.image ?? '';
    if (!image) errs.push(field.required(path.index(i).child('image'), ''));
    if (image.trim() !== image) errs.push(field.invalid(path.index(i).child('image'), image, 'must not have leading or trailing whitespace'));
  });
  return { errs, stop: false };
}

/** Upstream's validateOnlyAddedTolerations: every old toleration is still there (its tolerationSeconds may change). */
function validateOnlyAddedTolerations(next: Toleration[] | undefined, old: Toleration[] | undefined, path: FieldPath): FieldError[] {
  const same = (a: Toleration, b: Toleration) =>
    (a.key ?? '') === (b.key ?? '') && (a.operator ?? '') === (b.operator ?? '') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');
  for (const o of old ?? []) {
    if (!(next ?? []).some((n) => same(o, n))) return [field.forbidden(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return [];
}

/** Upstream's validateOnlyDeletedSchedulingGates. */
function validateOnlyDeletedSchedulingGates(next: PodSpec['schedulingGates'], old: PodSpec['schedulingGates'], path: FieldPath): FieldError[] {
  const had = new Set((old ?? []).map((g) => g.name));
  const errs: FieldError[] = [];
  (next ?? []).forEach((g, i) => {
    if (!had.has(g.name)) errs.push(field.forbidden(path.index(i).child('name'), `only deletion is allowed, but found new scheduling gate '${g.name}'`));
  });
  return errs;
}

/** The spec with what an update may change taken from the old one (upstream's mungedPodSpec). */
function mungedSpec(next: PodSpec, old: PodSpec): PodSpec {
  const m: PodSpec = structuredClone(next);
  const withOldImages = (list: Container[] | undefined, oldList: Container[] | undefined) =>
    list?.map((c, i) => {
      const o = oldList?.[i];
      const copy = { ...c };
      if (o?.image === undefined) delete copy.image; else copy.image = o.image;
      return copy;
    });
  if (m.containers) m.containers = withOldImages(m.containers, old.containers);
  if (m.initContainers) m.initContainers = withOldImages(m.initContainers, old.initContainers);
  setOrDelete(m, 'activeDeadlineSeconds', old.activeDeadlineSeconds);
  setOrDelete(m, 'schedulingGates', old.schedulingGates);
  setOrDelete(m, 'tolerations', old.tolerations);
  // A negative terminationGracePeriodSeconds may be rewritten to 1.
  if (old.terminationGracePeriodSeconds !== undefined && old.terminationGracePeriodSeconds < 0 && m.terminationGracePeriodSeconds === 1) {
    m.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  }
  return m;
}

function setOrDelete<K extends keyof PodSpec>(spec: PodSpec, key: K, value: PodSpec[K]): void {
  if (value === undefined) delete spec[key]; else spec[key] = value;
}

/** Deep equality of JSON values where an absent field, null, an empty list and an empty object agree (Go's semantic equality of nil and empty). */
function semanticEqual(a: unknown, b: unknown): boolean {
  const empty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
  if (empty(a) && empty(b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => semanticEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>, bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  return [...keys].every((k) => semanticEqual(ao[k], bo[k]));
}

/**
 * A short diff of two specs in the spirit of the go-cmp text upstream appends (Go field names,
 * `-` old and `+` new), so the refusal says which field differs.
 */
function specDiff(old: PodSpec, next: PodSpec): string {
  const o = old as Record<string, unknown>, n = next as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(o), ...Object.keys(n)])].sort();
  const goName = (k: string) => k.charAt(0).toUpperCase() + k.slice(1);
  const lines = ['  core.PodSpec{'];
  let same = 0;
  for (const k of keys) {
    if (semanticEqual(o[k], n[k])) { same++; continue; }
    if (o[k] !== undefined) lines.push(`- \t${goName(k)}: ${goJSON(o[k]) ?? String(o[k])},`);
    if (n[k] !== undefined) lines.push(`+ \t${goName(k)}: ${goJSON(n[k]) ?? String(n[k])},`);
  }
  if (same) lines.push(`  \t... // ${same} identical fields`);
  lines.push('  }');
  return lines.join('\n');
}

/** Upstream's ValidatePodUpdate, past the object meta checks the registry makes. */
export function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const specPath = FieldPath.root('spec');
  const next = pod.spec ?? {};
  const prev = old.spec ?? {};
  const errs: FieldError[] = [];
  for (const key of ['containers', 'initContainers'] as const) {
    const r = validateContainerUpdates(next[key], prev[key], specPath.child(key));
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  // activeDeadlineSeconds may be set, or lowered, never raised or removed.
  if (next.activeDeadlineSeconds !== undefined && next.activeDeadlineSeconds !== null) {
    const v = next.activeDeadlineSeconds;
    if (v < 0 || v > MAX_INT32) {
      errs.push(field.invalid(specPath.child('activeDeadlineSeconds'), v, `must be between 0 and ${MAX_INT32}, inclusive`));
      return errs;
    }
    if (prev.activeDeadlineSeconds !== undefined && prev.activeDeadlineSeconds !== null && prev.activeDeadlineSeconds < v) {
      errs.push(field.invalid(specPath.child('activeDeadlineSeconds'), v, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (prev.activeDeadlineSeconds !== undefined && prev.activeDeadlineSeconds !== null) {
    errs.push(field.invalid(specPath.child('activeDeadlineSeconds'), null, 'must not update from a positive integer to nil value'));
  }
  errs.push(...validateOnlyAddedTolerations(next.tolerations, prev.tolerations, specPath.child('tolerations')));
  errs.push(...validateOnlyDeletedSchedulingGates(next.schedulingGates, prev.schedulingGates, specPath.child('schedulingGates')));
  if (semanticEqual(next, prev)) return errs;
  const munged = mungedSpec(next, prev);
  if (!semanticEqual(munged, prev)) {
    errs.push(field.forbidden(specPath, `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${specDiff(prev, munged)}`));
  }
  return errs;
}

/** Condition types the kubelet owns; any other type must be a qualified name. */
const SYSTEM_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized']);

/** Upstream's ValidatePodStatusUpdate, past the object meta checks the registry makes. */
export function validatePodStatusUpdate(pod: Pod, old: Pod): FieldError[] {
  const statusPath = FieldPath.root('status');
  const st = pod.status ?? {};
  const errs: FieldError[] = [];
  (st.conditions ?? []).forEach((c, i) => {
    const type = c.type ?? '';
    if (SYSTEM_CONDITIONS.has(type)) return;
    for (const msg of isQualifiedName(type)) errs.push(field.invalid(statusPath.child('conditions').index(i).child('type'), type, msg));
  });
  const nominated = st.nominatedNodeName ?? '';
  if (nominated && nominated !== (old.status?.nominatedNodeName ?? '')) {
    for (const msg of isDNS1123Subdomain(nominated)) errs.push(field.invalid(statusPath.child('nominatedNodeName'), nominated, msg));
  }
  // A container that terminated for good (by the restart policy) stays terminated.
  const policy = old.spec?.restartPolicy ?? 'Always';
  if (policy !== 'Always') {
    for (const key of ['containerStatuses', 'initContainerStatuses'] as const) {
      (old.status?.[key] ?? []).forEach((o, i) => {
        const term = o.state?.terminated;
        if (!term || ((term.exitCode ?? 0) !== 0 && policy === 'OnFailure')) return;
        if ((st[key] ?? []).some((n) => n.name === o.name && !n.state?.terminated)) {
          errs.push(field.forbidden(statusPath.child(key).index(i).child('state'), 'may not be transitioned to non-terminated state'));
        }
      });
    }
  }
  (st.podIPs ?? []).forEach((ip, i) => errs.push(...validateIP(statusPath.child('podIPs').index(i), ip.ip ?? '')));
  // The QoS class is set at creation and never changes.
  errs.push(...validateImmutableField(st.qosClass ?? '', old.status?.qosClass ?? '', statusPath.child('qosClass')));
  return errs;
}
