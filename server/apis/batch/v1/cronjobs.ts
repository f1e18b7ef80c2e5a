// batch/v1 CronJob: upstream's defaults (Allow, not suspended, 3 successful and 1 failed job
// kept), the schedule checked by the standard cron parser, time zone checks, the job template's
// rules, the 52-character name limit on create, and a controller-written status.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { validateLabels, validateAnnotations, validateNonnegativeField } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject, type ObjectMeta } from '../../types.ts';
import { age, ageColumn, nameColumn, since } from '../../common/age.ts';
import { cronScheduleError, isKnownTimeZone } from '../../common/cron.ts';
import { containerCells, defaultEmbeddedMeta, defaultPodTemplateSpec, formatLabelSelector } from '../../common/podtemplate.ts';
import { validateJobSpecCommon, type JobSpec } from './jobs.ts';

interface CronJobSpec {
  schedule?: string; timeZone?: string; startingDeadlineSeconds?: number; concurrencyPolicy?: string; suspend?: boolean;
  jobTemplate?: { metadata?: ObjectMeta; spec?: JobSpec }; successfulJobsHistoryLimit?: number; failedJobsHistoryLimit?: number;
}
export type CronJob = KubeObject & {
  spec?: CronJobSpec;
  status?: { active?: unknown[]; lastScheduleTime?: string; lastSuccessfulTime?: string };
};

const CONCURRENCY = ['Allow', 'Forbid', 'Replace'];
const TZ_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

function validateSchedule(s: CronJobSpec, old: CronJobSpec | undefined, p: FieldPath): FieldError[] {
  const schedule = s.schedule ?? '';
  if (!schedule) return [field.required(p, '')];
  const errs: FieldError[] = [];
  const err = cronScheduleError(schedule);
  if (err) errs.push(field.invalid(p, schedule, err));
  // A schedule that already carried TZ may keep it (upstream's allowTZInSchedule on update).
  const allowTZ = old ? (old.schedule ?? '').includes('TZ') : false;
  if (allowTZ && schedule.includes('TZ') && s.timeZone !== undefined) errs.push(field.invalid(p, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  else if (!allowTZ && schedule.includes('TZ')) errs.push(field.invalid(p, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  return errs;
}

function validateTimeZone(tz: string | undefined, p: FieldPath): FieldError[] {
  if (tz === undefined || tz === null) return [];
  if (tz === '') return [field.invalid(p, tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TZ_PART.test(part)) return [field.invalid(p, tz, `unknown time zone ${tz}`)];
  }
  const errs: FieldError[] = [];
  if (tz.toLowerCase() === 'local') errs.push(field.invalid(p, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  if (!isKnownTimeZone(tz)) errs.push(field.invalid(p, tz, `unknown time zone ${tz}`));
  return errs;
}

/** Upstream's ValidateJobTemplateSpec: the job spec checks, and no selector of its own. */
function validateJobTemplate(t: CronJobSpec['jobTemplate'], p: FieldPath): FieldError[] {
  const errs = validateLabels(t?.metadata?.labels, p.child('metadata', 'labels'));
  errs.push(...validateAnnotations(t?.metadata?.annotations, p.child('metadata', 'annotations')));
  errs.push(...validateJobSpecCommon(t?.spec, p.child('spec')));
  if (t?.spec?.selector) errs.push(field.invalid(p.child('spec', 'selector'), t.spec.selector, '`selector` will be auto-generated'));
  if (t?.spec?.manualSelector) errs.push(field.notSupported(p.child('spec', 'manualSelector'), t.spec.manualSelector, ['nil', 'false']));
  return errs;
}

function validateSpec(s: CronJobSpec | undefined, old: CronJobSpec | undefined): FieldError[] {
  const spec = s ?? {};
  const p = FieldPath.root('spec');
  const errs = validateSchedule(spec, old, p.child('schedule'));
  if (spec.startingDeadlineSeconds !== undefined) errs.push(...validateNonnegativeField(spec.startingDeadlineSeconds, p.child('startingDeadlineSeconds')));
  if (!old || old.timeZone !== spec.timeZone) errs.push(...validateTimeZone(spec.timeZone, p.child('timeZone')));
  const cp = spec.concurrencyPolicy ?? '';
  if (!cp) errs.push(field.required(p.child('concurrencyPolicy'), ''));
  else if (!CONCURRENCY.includes(cp)) errs.push(field.notSupported(p.child('concurrencyPolicy'), cp, CONCURRENCY));
  errs.push(...validateJobTemplate(spec.jobTemplate, p.child('jobTemplate')));
  if (spec.successfulJobsHistoryLimit !== undefined) errs.push(...validateNonnegativeField(spec.successfulJobsHistoryLimit, p.child('successfulJobsHistoryLimit')));
  if (spec.failedJobsHistoryLimit !== undefined) errs.push(...validateNonnegativeField(spec.failedJobsHistoryLimit, p.child('failedJobsHistoryLimit')));
  return errs;
}

// Whether the object being validated is new: the 52-character name rule applies on create only.
const creating = new WeakSet<object>();

export const cronjobs = defineResource<CronJob>({
  group: 'batch', version: 'v1', kind: 'CronJob', plural: 'cronjobs', singular: 'cronjob',
  namespaced: true, shortNames: ['cj'], categories: ['all'], model: 'V1CronJob', hasGeneration: true,
  strategy: {
    defaults(cj) {
      const s = (cj.spec ??= {});
      s.concurrencyPolicy ||= 'Allow';
      s.suspend ??= false;
      s.successfulJobsHistoryLimit ??= 3;
      s.failedJobsHistoryLimit ??= 1;
      const jt = (s.jobTemplate ??= {});
      defaultEmbeddedMeta(jt);
      defaultPodTemplateSpec(((jt.spec ??= {}).template ??= {}));
    },
    prepareForCreate(cj) {
      cj.status = {};
      creating.add(cj);
    },
    validate(cj) {
      const errs: FieldError[] = [];
      if (creating.delete(cj)) {
        // The controller names each job <cronjob>-<11 characters>, and job names stop at 63.
        const name = cj.metadata?.name ?? '';
        if (name.length > 52) errs.push(field.invalid(FieldPath.root('metadata', 'name'), name, 'must be no more than 52 characters'));
        errs.push(...validateSpec(cj.spec, undefined));
      }
      return errs;
    },
    validateUpdate: (cj, old) => validateSpec(cj.spec, old.spec),
  },
  status: {},
  table: {
    columns: [
      nameColumn,
      { name: 'Schedule', type: 'string', description: 'The schedule in Cron format.' },
      { name: 'Timezone', type: 'string', description: 'The time zone the schedule is read in.' },
      { name: 'Suspend', type: 'boolean', description: 'Whether the controller is told to suspend subsequent executions.' },
      { name: 'Active', type: 'integer', description: 'The number of running jobs.' },
      { name: 'Last Schedule', type: 'string', description: 'When a job was last scheduled.' },
      ageColumn,
      { name: 'Containers', type: 'string', priority: 1, description: 'Names of each container in the template.' },
      { name: 'Images', type: 'string', priority: 1, description: 'Images referenced by each container in the template.' },
      { name: 'Selector', type: 'string', priority: 1, description: 'A label query over pods that should match the pod count.' },
    ],
    row(cj, now) {
      const s = cj.spec ?? {};
      const [names, images] = containerCells(s.jobTemplate?.spec?.template?.spec?.containers);
      const suspend = s.suspend === undefined ? '<unset>' : s.suspend ? 'True' : 'False';
      const last = cj.status?.lastScheduleTime ? since(cj.status.lastScheduleTime, now) : '<none>';
      return [
        cj.metadata?.name ?? '', s.schedule ?? '', s.timeZone ?? '<none>', suspend, (cj.status?.active ?? []).length, last, age(cj, now),
        names, images, formatLabelSelector(s.jobTemplate?.spec?.selector),
      ];
    },
  },
});
