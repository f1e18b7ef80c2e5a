// batch/v1 through HTTP: jobs with their generated selector, cron jobs with schedule and time
// zone checks, status, Table columns, and a table of invalid objects with upstream's 422 causes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { batchResources } from './index.ts';
import { cronScheduleError } from '../common/cron.ts';
import { startTestApi, expectInvalid, merge, TABLE_ACCEPT, type InvalidCase, type TestApi } from '../testkit.ts';

let t: TestApi;
let ns: string;

beforeAll(async () => {
  t = await startTestApi(batchResources);
  ns = await t.namespace();
});
afterAll(async () => { await t.close(); });

const base = () => `/apis/batch/v1/namespaces/${ns}`;
const podSpec = { containers: [{ name: 'pi', image: 'perl:5.34' }], restartPolicy: 'Never' };
const job = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { template: { spec: podSpec }, ...spec } });
const defaultedPodSpec = {
  containers: [{ name: 'pi', image: 'perl:5.34', imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
  dnsPolicy: 'ClusterFirst', restartPolicy: 'Never', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30,
};
const columns = (body: { columnDefinitions: Array<{ name: string; priority: number }> }) => body.columnDefinitions.map((c) => `${c.name}${c.priority ? '*' : ''}`);

describe('jobs', () => {
  it('defaults as upstream and generates the selector and labels from the uid', async () => {
    const res = await t.post(`${base()}/jobs`, job('pi')).expect(201);
    const uid = res.body.metadata.uid;
    const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' };
    expect(res.body.metadata.labels).toEqual(labels);
    expect(res.body.spec).toEqual({
      backoffLimit: 6, completionMode: 'NonIndexed', completions: 1, manualSelector: false, parallelism: 1, podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } }, suspend: false,
      template: { metadata: { creationTimestamp: null, labels }, spec: defaultedPodSpec },
    });
    expect(res.body.status).toEqual({});
  });

  it('keeps parallelism-only jobs open-ended and a manual selector as given', async () => {
    const par = await t.post(`${base()}/jobs`, job('par', { parallelism: 3 })).expect(201);
    expect(par.body.spec.completions).toBeUndefined();
    const manual = await t.post(`${base()}/jobs`, job('manual', { manualSelector: true, selector: { matchLabels: { x: 'y' } }, template: { metadata: { labels: { x: 'y' } }, spec: podSpec } })).expect(201);
    expect(manual.body.spec.selector).toEqual({ matchLabels: { x: 'y' } });
    expect(manual.body.spec.template.metadata.labels).toEqual({ x: 'y' });
  });

  it('refuses a selector of the user\'s own without manualSelector', async () => {
    const res = await t.post(`${base()}/jobs`, job('own', { selector: { matchLabels: { x: 'y' } }, template: { metadata: { labels: { x: 'y' } }, spec: podSpec } }));
    expect(res.status).toBe(422);
    const cause = res.body.details.causes.find((c: { field: string }) => c.field === 'spec.selector');
    expect(cause.message).toMatch(/^Invalid value: \{"matchLabels":\{"x":"y","batch.kubernetes.io\/controller-uid":".*"\}\}: `selector` not auto-generated$/);
  });

  it('lets a suspended job change scheduling labels but not its containers; status only through /status', async () => {
    const created = await t.post(`${base()}/jobs`, job('susp', { suspend: true })).expect(201);
    const ok = await t.put(`${base()}/jobs/susp`, merge(created.body, { spec: { template: { metadata: { labels: { extra: 'x' } }, spec: { nodeSelector: { disk: 'ssd' } } } } })).expect(200);
    expect(ok.body.metadata.generation).toBe(2);
    const bad = await t.put(`${base()}/jobs/susp`, merge(ok.body, { spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl:5.36' }] } } } }));
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes.map((c: { field: string }) => c.field)).toContain('spec.template');
    const completions = await t.put(`${base()}/jobs/susp`, merge(ok.body, { spec: { completions: 2 } }));
    expectInvalid(completions, 'spec.completions', 'Invalid value: 2: field is immutable');
    const st = await t.put(`${base()}/jobs/susp/status`, merge(ok.body, {
      spec: { parallelism: 9 }, status: { startTime: '2026-01-01T00:00:00Z', completionTime: '2026-01-01T00:01:05Z', succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] },
    })).expect(200);
    expect(st.body.spec.parallelism).toBe(1);
    const table = await t.get(`${base()}/jobs/susp`, TABLE_ACCEPT).expect(200);
    expect(columns(table.body)).toEqual(['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers*', 'Images*', 'Selector*']);
    expect(table.body.rows[0].cells).toEqual(['susp', 'Complete', '1/1', '65s', expect.any(String), 'pi', 'perl:5.34', `batch.kubernetes.io/controller-uid=${created.body.metadata.uid}`]);
  });

  it('writes no empty conditions list in a job status (omitempty)', async () => {
    const created = await t.post(`${base()}/jobs`, job('fresh', { suspend: true })).expect(201);
    const st = await t.put(`${base()}/jobs/fresh/status`, merge(created.body, { status: { active: 0, ready: 0, terminating: 0, conditions: [], uncountedTerminatedPods: {} } })).expect(200);
    expect(st.body.status).toEqual({ ready: 0, terminating: 0, uncountedTerminatedPods: {} });
  });

  it('lists and deletes', async () => {
    const list = await t.get(`${base()}/jobs`).expect(200);
    expect(list.body.kind).toBe('JobList');
    await t.del(`${base()}/jobs/pi`).expect(200);
    await t.get(`${base()}/jobs/pi`).expect(404);
  });
});

const cronjob = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: podSpec } } }, ...spec } });

describe('cronjobs', () => {
  it('defaults as upstream', async () => {
    const res = await t.post(`${base()}/cronjobs`, cronjob('tick')).expect(201);
    expect(res.body.spec).toEqual({
      concurrencyPolicy: 'Allow', failedJobsHistoryLimit: 1, schedule: '*/5 * * * *', successfulJobsHistoryLimit: 3, suspend: false,
      jobTemplate: { metadata: { creationTimestamp: null }, spec: { template: { metadata: { creationTimestamp: null }, spec: defaultedPodSpec } } },
    });
    expect(res.body.status).toEqual({});
  });

  it('takes descriptors and time zones, status through /status, and prints upstream\'s columns', async () => {
    const created = await t.post(`${base()}/cronjobs`, cronjob('hourly', { schedule: '@hourly', timeZone: 'Europe/Berlin' })).expect(201);
    const st = await t.put(`${base()}/cronjobs/hourly/status`, merge(created.body, { status: { active: [{ name: 'hourly-1' }], lastScheduleTime: new Date(Date.now() - 90_000).toISOString().replace(/\.\d+Z/, 'Z') } })).expect(200);
    expect(st.body.status.active).toEqual([{ name: 'hourly-1' }]);
    const table = await t.get(`${base()}/cronjobs/hourly`, TABLE_ACCEPT).expect(200);
    expect(columns(table.body)).toEqual(['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers*', 'Images*', 'Selector*']);
    expect(table.body.rows[0].cells).toEqual(['hourly', '@hourly', 'Europe/Berlin', 'False', 1, expect.stringMatching(/^(89|90|91)s$/), expect.any(String), 'pi', 'perl:5.34', '<none>']);
  });

  it('allows a long name only after creation and checks the schedule on update', async () => {
    const cur = await t.get(`${base()}/cronjobs/tick`).expect(200);
    const res = await t.put(`${base()}/cronjobs/tick`, merge(cur.body, { spec: { schedule: '61 * * * *' } }));
    expectInvalid(res, 'spec.schedule', 'Invalid value: "61 * * * *": end of range (61) above maximum (59): 61');
    await t.del(`${base()}/cronjobs/tick`).expect(200);
  });

  it('discovery: cj short name, all category, status subresource', async () => {
    const res = await t.get('/apis/batch/v1').expect(200);
    const by = (name: string) => res.body.resources.find((r: { name: string }) => r.name === name);
    expect(by('cronjobs')).toMatchObject({ shortNames: ['cj'], categories: ['all'] });
    expect(by('jobs')).toMatchObject({ categories: ['all'] });
    expect(by('jobs').shortNames).toBeUndefined();
    expect(by('jobs/status')).toBeDefined();
    expect(by('cronjobs/status')).toBeDefined();
  });
});

describe('the cron parser', () => {
  it.each([
    ['*/15 0-6 1,15 * MON-FRI', undefined],
    ['@every 1h30m', undefined],
    ['0 0 * JAN sun', undefined],
    ['', 'empty spec string'],
    ['* * *', 'expected exactly 5 fields, found 3: [* * *]'],
    ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
    ['@often', 'unrecognized descriptor: @often'],
    ['@every soon', 'failed to parse duration @every soon: time: invalid duration "soon"'],
    ['@every 5', 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['1/2/3 * * * *', 'too many slashes: 1/2/3'],
    ['TZ=Mars/Olympus * * * * *', 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus'],
  ])('%j', (schedule, err) => {
    expect(cronScheduleError(schedule)).toBe(err);
  });
});

const j = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec: { template: merge({ spec: podSpec }, spec.template), ...Object.fromEntries(Object.entries(spec).filter(([k]) => k !== 'template')) } });
const cj = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: { spec: podSpec } } }, ...spec } });
const cases: InvalidCase[] = [
  { name: 'job pods that restart Always', path: 'jobs', body: j('j1', { template: { spec: { restartPolicy: 'Always' } } }), field: 'spec.template.spec.restartPolicy', message: 'Required value: valid values: "OnFailure", "Never"' },
  { name: 'job negative parallelism', path: 'jobs', body: j('j2', { parallelism: -1 }), field: 'spec.parallelism', message: 'Invalid value: -1: must be greater than or equal to 0' },
  { name: 'job negative completions', path: 'jobs', body: j('j3', { completions: -1 }), field: 'spec.completions', message: 'Invalid value: -1: must be greater than or equal to 0' },
  { name: 'job negative backoffLimit', path: 'jobs', body: j('j4', { backoffLimit: -1 }), field: 'spec.backoffLimit', message: 'Invalid value: -1: must be greater than or equal to 0' },
  { name: 'job unknown completion mode', path: 'jobs', body: j('j5', { completionMode: 'Sometimes' }), field: 'spec.completionMode', message: 'Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"' },
  { name: 'indexed job without completions', path: 'jobs', body: j('j6', { completionMode: 'Indexed', parallelism: 2 }), field: 'spec.completions', message: 'Required value: when completion mode is Indexed' },
  { name: 'job manual selector missing', path: 'jobs', body: j('j7', { manualSelector: true }), field: 'spec.selector', message: 'Required value' },
  { name: 'job manual selector not matching', path: 'jobs', body: j('j8', { manualSelector: true, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'c' } } } }), field: 'spec.template.metadata.labels', message: 'Invalid value: {"a":"c"}: `selector` does not match template `labels`' },
  { name: 'job unknown pod replacement policy', path: 'jobs', body: j('j9', { podReplacementPolicy: 'Never' }), field: 'spec.podReplacementPolicy', message: 'Unsupported value: "Never": supported values: "Failed", "TerminatingOrFailed"' },
  { name: 'job container without image', path: 'jobs', body: j('j10', { template: { spec: { containers: [{ name: 'x' }] } } }), field: 'spec.template.spec.containers[0].image', message: 'Required value' },
  { name: 'cronjob without schedule', path: 'cronjobs', body: cj('c1', { schedule: '' }), field: 'spec.schedule', message: 'Required value' },
  { name: 'cronjob schedule with four fields', path: 'cronjobs', body: cj('c2', { schedule: '0 * * *' }), field: 'spec.schedule', message: 'Invalid value: "0 * * *": expected exactly 5 fields, found 4: [0 * * *]' },
  { name: 'cronjob TZ in schedule', path: 'cronjobs', body: cj('c3', { schedule: 'TZ=UTC 0 * * * *' }), field: 'spec.schedule', message: 'Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead' },
  { name: 'cronjob unknown time zone', path: 'cronjobs', body: cj('c4', { timeZone: 'Mars/Olympus' }), field: 'spec.timeZone', message: 'Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus' },
  { name: 'cronjob Local time zone', path: 'cronjobs', body: cj('c5', { timeZone: 'Local' }), field: 'spec.timeZone', message: 'Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones' },
  { name: 'cronjob empty time zone', path: 'cronjobs', body: cj('c6', { timeZone: '' }), field: 'spec.timeZone', message: 'Invalid value: "": timeZone must be nil or non-empty string' },
  { name: 'cronjob unknown concurrency policy', path: 'cronjobs', body: cj('c7', { concurrencyPolicy: 'Sometimes' }), field: 'spec.concurrencyPolicy', message: 'Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"' },
  { name: 'cronjob name over 52 characters', path: 'cronjobs', body: cj('c'.repeat(53), {}), field: 'metadata.name', message: `Invalid value: "${'c'.repeat(53)}": must be no more than 52 characters` },
  { name: 'cronjob job template with a selector', path: 'cronjobs', body: cj('c8', { jobTemplate: { spec: { selector: { matchLabels: { a: 'b' } }, template: { spec: podSpec } } } }), field: 'spec.jobTemplate.spec.selector', message: 'Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated' },
  { name: 'cronjob negative history limit', path: 'cronjobs', body: cj('c9', { successfulJobsHistoryLimit: -1 }), field: 'spec.successfulJobsHistoryLimit', message: 'Invalid value: -1: must be greater than or equal to 0' },
  { name: 'cronjob job template pods restarting Always', path: 'cronjobs', body: cj('c10', { jobTemplate: { spec: { template: { spec: { containers: podSpec.containers } } } } }), field: 'spec.jobTemplate.spec.template.spec.restartPolicy', message: 'Required value: valid values: "OnFailure", "Never"' },
];

describe('validation: invalid batch objects are refused with upstream\'s causes', () => {
  it.each(cases)('$name', async (c) => {
    const res = await t.post(`${base()}/${c.path}`, c.body);
    expectInvalid(res, c.field, c.message);
  });
});
