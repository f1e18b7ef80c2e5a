// Pod templates as the workload resources embed them (Deployment, ReplicaSet, StatefulSet,
// DaemonSet, Job, CronJob, ReplicationController, PodTemplate): upstream's SetDefaults_PodSpec,
// ValidatePodTemplateSpec and the controller-specific template rules, plus the Table cells
// the printers derive from a template.
import type { FieldPath } from '../../../machinery/fieldpath.ts';
import * as field from '../../../machinery/fieldpath.ts';
import { validateAnnotations, validateLabels } from '../../../machinery/validation.ts';
import { selectorFromLabelSelector, validateLabelSelector, type LabelSelector, type Selector } from '../../../machinery/labels.ts';
import { compareGoStrings } from '../../../machinery/goformat.ts';
import { defaultPodSpec, validatePodSpec, type Container, type PodSpec } from '../core/v1/pods.ts';
import type { FieldError, ObjectMeta } from '../types.ts';

export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

/**
 * Embedded object meta as upstream serialises it: a Go zero metav1.Time has no omitempty, so a
 * template's metadata always carries `creationTimestamp: null`.
 */
export function defaultEmbeddedMeta<T extends { metadata?: ObjectMeta }>(obj: T): void {
  const meta = (obj.metadata ??= {});
  if (meta.creationTimestamp === undefined) (meta as Record<string, unknown>).creationTimestamp = null;
}

/** A template gets the pod-spec defaults (not the pod-only ones: enableServiceLinks, priority). */
export function defaultPodTemplateSpec(t: PodTemplateSpec): void {
  defaultEmbeddedMeta(t);
  defaultPodSpec((t.spec ??= {}));
}

/** Upstream's ValidatePodTemplateSpec: template labels and annotations (at `<path>.labels`, as upstream reports them), then the pod spec. */
export function validatePodTemplateSpec(t: PodTemplateSpec | undefined, path: FieldPath): FieldError[] {
  const errs = validateLabels(t?.metadata?.labels, path.child('labels'));
  errs.push(...validateAnnotations(t?.metadata?.annotations, path.child('annotations')));
  errs.push(...validatePodSpec(t?.spec, path.child('spec')));
  return errs;
}

/** The selector a valid label selector stands for, or undefined when it cannot be built. */
export function trySelector(ls: LabelSelector | undefined | null): Selector | undefined {
  try {
    return selectorFromLabelSelector(ls);
  } catch {
    return undefined;
  }
}

/**
 * Upstream's ValidatePodTemplateSpecForReplicaSet (and the RC/StatefulSet/DaemonSet variants):
 * template labels must satisfy a non-empty selector, pods restart Always, no active deadline.
 * `kind` names the controller in the activeDeadlineSeconds message.
 */
export function validateControllerTemplate(t: PodTemplateSpec | undefined, selector: Selector | undefined, path: FieldPath, kind: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!t) return [field.required(path, '')];
  if (selector && !selector.empty() && !selector.matches(t.metadata?.labels ?? {})) {
    errs.push(field.invalid(path.child('metadata', 'labels'), t.metadata?.labels ?? {}, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(t, path));
  const rp = t.spec?.restartPolicy ?? '';
  if (rp !== 'Always') errs.push(field.notSupported(path.child('spec', 'restartPolicy'), rp, ['Always']));
  if (t.spec?.activeDeadlineSeconds !== undefined && t.spec.activeDeadlineSeconds !== null) {
    errs.push(field.forbidden(path.child('spec', 'activeDeadlineSeconds'), `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return errs;
}

/** The selector checks shared by Deployment, ReplicaSet and StatefulSet: required, valid, non-empty. */
export function validateRequiredSelector(ls: LabelSelector | undefined | null, path: FieldPath, emptyMessage: string): FieldError[] {
  if (!ls) return [field.required(path, '')];
  const errs = validateLabelSelector(ls, path);
  if (Object.keys(ls.matchLabels ?? {}).length + (ls.matchExpressions ?? []).length === 0) errs.push(field.invalid(path, ls, emptyMessage));
  return errs;
}

/** Upstream's layoutContainerCells: names and images, comma-joined. */
export function containerCells(containers: Container[] | undefined): [string, string] {
  const cs = containers ?? [];
  return [cs.map((c) => c.name ?? '').join(','), cs.map((c) => c.image ?? '').join(',')];
}

/** metav1.FormatLabelSelector: the selector's string form, `<none>` when it selects nothing or everything. */
export function formatLabelSelector(ls: LabelSelector | undefined | null): string {
  let s: string;
  try {
    s = selectorFromLabelSelector(ls).toString();
  } catch {
    return '<error>';
  }
  return s === '' ? '<none>' : s;
}

/** labels.FormatLabels: `k=v` pairs sorted by key, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort(compareGoStrings);
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** Deep equality of JSON values (upstream's apiequality.Semantic.DeepEqual for plain data). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
