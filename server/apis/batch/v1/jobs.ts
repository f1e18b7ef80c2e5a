// batch/v1 Job: upstream's defaults (one completion, parallelism 1, backoffLimit 6, NonIndexed,
// not suspended, TerminatingOrFailed replacement, manualSelector false), the selector the
// strategy generates from the job's uid (controller-uid and job-name labels, legacy and
// batch.kubernetes.io/ forms), validation, the update rules and a controller-written status.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { validateImmutableField, validateNonnegativeField } from '../../../../machinery/validation.ts';
import { validateLabelSelector, type LabelSelector } from '../../../../machinery/labels.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn, since } from '../../common/age.ts';
import { humanDuration } from '../../../endpoints/table.ts';
import {
  containerCells, deepEqual, defaultPodTemplateSpec, formatLabelSelector, trySelector, validatePodTemplateSpec, type PodTemplateSpec,
} from '../../common/podtemplate.ts';

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
const LEGACY_JOB_NAME_LABEL = 'job-name';
/** Upstream's maxParallelismForIndexedJob. */
const MAX_PARALLELISM_INDEXED = 100000;

export interface JobSpec {
  parallelism?: number; completions?: number; activeDeadlineSeconds?: number; backoffLimit?: number; backoffLimitPerIndex?: number;
  maxFailedIndexes?: number; selector?: LabelSelector; manualSelector?: boolean; template?: PodTemplateSpec; ttlSecondsAfterFinished?: number;
  completionMode?: string; suspend?: boolean; podReplacementPolicy?: string; podFailurePolicy?: object; successPolicy?: object; managedBy?: string;
}
interface JobCondition { type: string; status: string }
export type Job = KubeObject & {
  spec?: JobSpec;
  status?: {
    conditions?: JobCondition[]; startTime?: string; completionTime?: string; active?: number; succeeded?: number; failed?: number;
    terminating?: number; ready?: number; completedIndexes?: string; failedIndexes?: string; uncountedTerminatedPods?: object;
  };
};

/** Upstream's SetDefaults_Job. */
function defaultJob(job: Job): void {
  const s = (job.spec ??= {});
  if (s.completions === undefined && s.parallelism === undefined) {
    s.completions = 1;
    s.parallelism = 1;
  }
  s.parallelism ??= 1;
  s.backoffLimit ??= s.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  const labels = s.template?.metadata?.labels;
  if (labels && !Object.keys(job.metadata?.labels ?? {}).length) job.metadata!.labels = { ...labels };
  s.completionMode ??= 'NonIndexed';
  s.suspend ??= false;
  s.podReplacementPolicy ??= s.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  s.manualSelector ??= false;
  defaultPodTemplateSpec((s.template ??= {}));
}

/** Upstream's generateSelector: the pods carry the job's uid and name; the selector picks the uid. */
function generateSelector(job: Job): void {
  const s = job.spec!;
  const meta = (s.template!.metadata ??= {});
  const labels = (meta.labels ??= {});
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) labels[k] ??= job.metadata?.name ?? '';
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) labels[k] ??= job.metadata?.uid ?? '';
  const sel = (s.selector ??= {});
  const ml = (sel.matchLabels ??= {});
  ml[CONTROLLER_UID_LABEL] ??= job.metadata?.uid ?? '';
}

/** Upstream's validateJobSpec: the checks shared by jobs and cron job templates. */
export function validateJobSpecCommon(s: JobSpec | undefined, p: FieldPath): FieldError[] {
  const spec = s ?? {};
  const errs: FieldError[] = [];
  if (spec.parallelism !== undefined) errs.push(...validateNonnegativeField(spec.parallelism, p.child('parallelism')));
  if (spec.completions !== undefined) errs.push(...validateNonnegativeField(spec.completions, p.child('completions')));
  if (spec.activeDeadlineSeconds !== undefined) errs.push(...validateNonnegativeField(spec.activeDeadlineSeconds, p.child('activeDeadlineSeconds')));
  if (spec.backoffLimit !== undefined) errs.push(...validateNonnegativeField(spec.backoffLimit, p.child('backoffLimit')));
  if (spec.ttlSecondsAfterFinished !== undefined) errs.push(...validateNonnegativeField(spec.ttlSecondsAfterFinished, p.child('ttlSecondsAfterFinished')));
  if (spec.completionMode !== undefined) {
    if (spec.completionMode !== 'NonIndexed' && spec.completionMode !== 'Indexed') {
      errs.push(field.notSupported(p.child('completionMode'), spec.completionMode, ['NonIndexed', 'Indexed']));
    }
    if (spec.completionMode === 'Indexed') {
      if (spec.completions === undefined) errs.push(field.required(p.child('completions'), 'when completion mode is Indexed'));
      if ((spec.parallelism ?? 0) > MAX_PARALLELISM_INDEXED) {
        errs.push(field.invalid(p.child('parallelism'), spec.parallelism, `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`));
      }
    }
  }
  if (spec.podReplacementPolicy !== undefined && !['TerminatingOrFailed', 'Failed'].includes(spec.podReplacementPolicy)) {
    errs.push(field.notSupported(p.child('podReplacementPolicy'), spec.podReplacementPolicy, ['Failed', 'TerminatingOrFailed']));
  }
  errs.push(...validatePodTemplateSpec(spec.template, p.child('template')));
  const rp = spec.template?.spec?.restartPolicy ?? '';
  const rpPath = p.child('template', 'spec', 'restartPolicy');
  // A missing restartPolicy was defaulted to Always, which a job's pods may not use.
  if (rp === 'Always' || rp === '') errs.push(field.required(rpPath, 'valid values: "OnFailure", "Never"'));
  else if (rp !== 'OnFailure' && rp !== 'Never') errs.push(field.notSupported(rpPath, rp, ['OnFailure', 'Never']));
  return errs;
}

/** Upstream's ValidateJobSpec: the selector is required and must select the template. */
function validateJobSpec(s: JobSpec | undefined, p: FieldPath): FieldError[] {
  const errs = validateJobSpecCommon(s, p);
  if (!s?.selector) errs.push(field.required(p.child('selector'), ''));
  else errs.push(...validateLabelSelector(s.selector, p.child('selector')));
  const selector = trySelector(s?.selector);
  if (selector && !selector.matches(s?.template?.metadata?.labels ?? {})) {
    errs.push(field.invalid(p.child('template', 'metadata', 'labels'), s?.template?.metadata?.labels ?? {}, '`selector` does not match template `labels`'));
  }
  return errs;
}

/** Upstream's ValidateHasLabel. */
function hasLabel(labels: Record<string, string>, key: string, want: string): FieldError[] {
  const p = FieldPath.root('spec', 'template', 'metadata', 'labels').key(key);
  if (!(key in labels)) return [field.required(p, want)];
  return labels[key] === want ? [] : [field.invalid(p, labels, `must be '${want}'`)];
}

/** Upstream's validateGeneratedSelector: without manualSelector the selector must be exactly the generated one. */
function validateGeneratedSelector(job: Job): FieldError[] {
  const s = job.spec ?? {};
  if (s.manualSelector || !s.template?.metadata?.labels) return [];
  if (!s.selector) return [field.required(FieldPath.root('spec', 'selector'), '')];
  const uid = job.metadata?.uid ?? '';
  const name = job.metadata?.name ?? '';
  const labels = s.template.metadata.labels;
  const errs: FieldError[] = [];
  if (!uid) errs.push(field.required(FieldPath.root('metadata', 'uid'), ''));
  errs.push(...hasLabel(labels, LEGACY_CONTROLLER_UID_LABEL, uid), ...hasLabel(labels, LEGACY_JOB_NAME_LABEL, name));
  errs.push(...hasLabel(labels, CONTROLLER_UID_LABEL, uid), ...hasLabel(labels, JOB_NAME_LABEL, name));
  if (!deepEqual(s.selector.matchLabels ?? {}, { [CONTROLLER_UID_LABEL]: uid }) || (s.selector.matchExpressions ?? []).length > 0) {
    errs.push(field.invalid(FieldPath.root('spec', 'selector'), s.selector, '`selector` not auto-generated'));
  }
  return errs;
}

/** Template fields a suspended job that never started may change (upstream's mutable scheduling directives). */
const SCHEDULING = ['nodeSelector', 'affinity', 'tolerations', 'schedulingGates'];

function validateJobUpdate(job: Job, old: Job): FieldError[] {
  const s = job.spec ?? {}, o = old.spec ?? {};
  const p = FieldPath.root('spec');
  const errs: FieldError[] = [];
  errs.push(...validateImmutableField(s.completions ?? null, o.completions ?? null, p.child('completions')));
  errs.push(...validateImmutableField(s.selector ?? null, o.selector ?? null, p.child('selector')));
  let tpl = s.template, oldTpl = o.template;
  if (o.suspend && !old.status?.startTime) {
    const strip = (t: PodTemplateSpec | undefined) => {
      const c = structuredClone(t ?? {}) as PodTemplateSpec & { spec?: Record<string, unknown> };
      if (c.metadata) { delete c.metadata.labels; delete c.metadata.annotations; }
      for (const k of SCHEDULING) delete (c.spec as Record<string, unknown> | undefined)?.[k];
      return c;
    };
    tpl = strip(tpl);
    oldTpl = strip(oldTpl);
  }
  if (!deepEqual(tpl, oldTpl)) errs.push(field.invalid(p.child('template'), s.template ?? null, 'field is immutable'));
  errs.push(...validateImmutableField(s.completionMode ?? null, o.completionMode ?? null, p.child('completionMode')));
  errs.push(...validateImmutableField(s.podFailurePolicy ?? null, o.podFailurePolicy ?? null, p.child('podFailurePolicy')));
  errs.push(...validateImmutableField(s.backoffLimitPerIndex ?? null, o.backoffLimitPerIndex ?? null, p.child('backoffLimitPerIndex')));
  errs.push(...validateImmutableField(s.managedBy ?? null, o.managedBy ?? null, p.child('managedBy')));
  errs.push(...validateImmutableField(s.successPolicy ?? null, o.successPolicy ?? null, p.child('successPolicy')));
  return errs;
}

const hasCondition = (job: Job, type: string) => job.status?.conditions?.find((c) => c.type === type)?.status === 'True';

/** Upstream's printJob STATUS. */
function jobStatus(job: Job): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function completions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined) return `${succeeded}/${job.spec.completions}`;
  const par = job.spec?.parallelism ?? 0;
  return par > 1 ? `${succeeded}/1 of ${par}` : `${succeeded}/1`;
}

function duration(job: Job, now: Date): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime;
  return end ? humanDuration(Date.parse(end) - Date.parse(start)) : since(start, now);
}

export const jobs = defineResource<Job>({
  group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', singular: 'job',
  namespaced: true, categories: ['all'], model: 'V1Job', hasGeneration: true,
  strategy: {
    defaults: defaultJob,
    prepareForCreate(job) {
      job.status = {};
      if (!job.spec?.manualSelector) generateSelector(job);
      // Upstream copies the template labels to an unlabelled job when it decodes it, so every
      // read after the create carries the generated labels too.
      const labels = job.spec?.template?.metadata?.labels;
      if (labels && !Object.keys(job.metadata?.labels ?? {}).length) job.metadata!.labels = { ...labels };
    },
    validate(job) {
      const errs = validateGeneratedSelector(job);
      errs.push(...validateJobSpec(job.spec, FieldPath.root('spec')));
      return errs;
    },
    validateUpdate: validateJobUpdate,
  },
  status: {
    // JobStatus' conditions and its active / succeeded / failed counters are omitempty: an empty
    // list or a zero is never written (ready and terminating are pointers: their zeros are).
    prepareForUpdate(job) {
      const st = job.status;
      if (!st) return;
      if (st.conditions && st.conditions.length === 0) delete st.conditions;
      for (const k of ['active', 'succeeded', 'failed'] as const) if (st[k] === 0) delete st[k];
    },
    validateUpdate(job) {
      const st = job.status ?? {};
      const errs: FieldError[] = [];
      for (const k of ['active', 'succeeded', 'failed', 'terminating', 'ready'] as const) {
        if (st[k] !== undefined) errs.push(...validateNonnegativeField(st[k]!, FieldPath.root('status', k)));
      }
      return errs;
    },
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Status', type: 'string', description: 'Status of the job.' },
      { name: 'Completions', type: 'string', description: 'The number of pods which reached phase Succeeded.' },
      { name: 'Duration', type: 'string', description: 'Time required to complete the job.' },
      ageColumn,
      { name: 'Containers', type: 'string', priority: 1, description: 'Names of each container in the template.' },
      { name: 'Images', type: 'string', priority: 1, description: 'Images referenced by each container in the template.' },
      { name: 'Selector', type: 'string', priority: 1, description: 'A label query over pods that should match the pod count.' },
    ],
    row(job, now) {
      const [names, images] = containerCells(job.spec?.template?.spec?.containers);
      return [job.metadata?.name ?? '', jobStatus(job), completions(job), duration(job, now), age(job, now), names, images, formatLabelSelector(job.spec?.selector)];
    },
  },
});
