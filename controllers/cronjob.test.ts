import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CoreV1Event, V1CronJob, V1Job } from '@kubernetes/client-node';
import { RestClient } from '../client/index.ts';
import { cronJobs, events, jobs, namespaces } from '../client/resources.ts';
import { parseStandard } from '../machinery/cron.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { runPodLife, type PodLifeOptions } from '../test/podlife.ts';
import { kubectlOk } from '../conformance/harness/kubectl.ts';
import type { System } from '../conformance/harness/system.ts';
import { cronJobController, jobFromTemplate, mostRecentScheduleTime, nextScheduleDelayMs, SCHEDULED_TIMESTAMP_ANNOTATION } from './cronjob.ts';
import { startControllerManager, type RunningControllerManager } from './index.ts';
import { jobController } from './job/index.ts';
import { eventually } from '../test/eventually.ts';

let srv: TestApiServer;
let ac: AbortController;
let cm: RunningControllerManager;
let rest: RestClient;
/** The cron controller's clock: each test starts it at the real time and moves it forward. */
let clock = Date.now();

beforeAll(async () => {
  // HTTPS, so that the real kubectl sends its token.
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')), tls: true });
  ac = new AbortController();
  cm = startControllerManager({
    kubeconfig: srv.kubeconfig, signal: ac.signal, log: () => {},
    controllers: [cronJobController({ now: () => clock, resyncMs: 100 }), jobController()],
  });
  rest = new RestClient(srv.kubeconfig);
});

afterAll(async () => {
  ac?.abort();
  await cm?.done;
  rest?.close();
  await srv?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function namespace(name: string, decide?: PodLifeOptions['decide']): Promise<string> {
  await rest.create(namespaces, '', { metadata: { name } });
  runPodLife({ kubeconfig: srv.kubeconfig, namespace: name, signal: ac.signal, decide });
  return name;
}

const cronJob = (name: string, spec: Partial<V1CronJob['spec']> = {}): V1CronJob => ({
  metadata: { name },
  spec: {
    schedule: '* * * * *',
    jobTemplate: {
      metadata: { labels: { app: name } },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    },
    ...spec,
  } as V1CronJob['spec'],
});

/** Creates the CronJob with the clock at the real time; returns it and its first scheduled minute. */
async function startCronJob(ns: string, cj: V1CronJob): Promise<{ created: V1CronJob; first: number }> {
  clock = Date.now();
  const created = await rest.create(cronJobs, ns, cj);
  const c = created.metadata!.creationTimestamp!.getTime();
  return { created, first: (Math.floor(c / 60_000) + 1) * 60_000 };
}

const jobsIn = async (ns: string) => (await rest.list(jobs, ns)).items;
const jobNamed = (ns: string, name: string) => async () => (await jobsIn(ns)).find((j) => j.metadata?.name === name);
const eventsFor = async (ns: string, name: string): Promise<CoreV1Event[]> => (await rest.list(events, ns)).items.filter((e) => e.involvedObject.name === name);
const complete = (j: V1Job) => j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True');

describe('cron job controller, scheduling arithmetic', () => {
  const cj = (created: string, o: { last?: string; sds?: number } = {}): V1CronJob => ({
    metadata: { name: 'c', creationTimestamp: new Date(created) },
    spec: { schedule: '* * * * *', jobTemplate: {}, ...(o.sds !== undefined ? { startingDeadlineSeconds: o.sds } : {}) },
    status: o.last ? { lastScheduleTime: new Date(o.last) } : {},
  });
  const everyMinute = parseStandard('* * * * *', 'UTC');
  const at = Date.parse;

  it('asks to run again exactly at the next schedule time, plus 100 ms', () => {
    expect(nextScheduleDelayMs(cj('2026-01-01T00:00:30Z'), at('2026-01-01T00:00:40Z'), everyMinute)).toBe(20_100);
    expect(nextScheduleDelayMs(cj('2026-01-01T00:00:30Z', { last: '2026-01-01T00:05:00Z' }), at('2026-01-01T00:05:00.500Z'), everyMinute)).toBe(59_600);
  });

  it('finds the most recent missed time, counts misses, and honours startingDeadlineSeconds', () => {
    expect(mostRecentScheduleTime(cj('2026-01-01T00:00:30Z'), at('2026-01-01T00:00:40Z'), everyMinute, true)).toEqual({ earliest: at('2026-01-01T00:00:30Z'), missed: 'none' });
    expect(mostRecentScheduleTime(cj('2026-01-01T00:00:30Z'), at('2026-01-01T00:01:10Z'), everyMinute, true).mostRecent).toBe(at('2026-01-01T00:01:00Z'));
    const few = mostRecentScheduleTime(cj('2026-01-01T00:00:30Z'), at('2026-01-01T00:10:10Z'), everyMinute, true);
    expect(few).toMatchObject({ mostRecent: at('2026-01-01T00:10:00Z'), missed: 'few' });
    const many = mostRecentScheduleTime(cj('2026-01-01T00:00:30Z'), at('2026-01-01T03:00:10Z'), everyMinute, true);
    expect(many).toMatchObject({ mostRecent: at('2026-01-01T03:00:00Z'), missed: 'many' });
    // A 10 s deadline leaves nothing to start 30 s after the minute.
    expect(mostRecentScheduleTime(cj('2026-01-01T00:00:30Z', { sds: 10 }), at('2026-01-01T00:01:30Z'), everyMinute, true).mostRecent).toBeUndefined();
    expect(mostRecentScheduleTime(cj('2026-01-01T00:00:30Z'), at('2026-01-01T00:01:30Z'), parseStandard('0 0 31 2 *', 'UTC'), true).error)
      .toBe('time difference between two schedules is less than 1 second');
  });

  it('makes the Job from the template: deterministic name, scheduled-timestamp annotation in the zone, controller reference', () => {
    const c: V1CronJob = {
      metadata: { name: 'nightly', uid: 'u1', namespace: 'ns' },
      spec: { schedule: '0 9 * * *', timeZone: 'Asia/Tokyo', jobTemplate: { metadata: { labels: { a: 'b' }, annotations: { x: 'y' } }, spec: { template: {} } } },
    };
    const j = jobFromTemplate(c, at('2026-01-02T00:00:00Z'));
    expect(j.metadata).toEqual({
      name: `nightly-${at('2026-01-02T00:00:00Z') / 60_000}`,
      labels: { a: 'b' },
      annotations: { x: 'y', [SCHEDULED_TIMESTAMP_ANNOTATION]: '2026-01-02T09:00:00+09:00' },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: 'u1', controller: true, blockOwnerDeletion: true }],
    });
  });
});

describe('cron job controller', () => {
  it('creates a Job at each scheduled minute, named <cronjob>-<minutes since the epoch>, and records it until it completes', async () => {
    const ns = await namespace('cj-basic', () => 'succeeded');
    const { created, first } = await startCronJob(ns, cronJob('tick'));
    await sleep(300);
    expect(await jobsIn(ns)).toEqual([]);

    clock = first + 1_000;
    const name = `tick-${first / 60_000}`;
    const job = await eventually(jobNamed(ns, name));
    expect(job.metadata?.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION]).toBe(new Date(first).toISOString().replace('.000Z', 'Z'));
    expect(job.metadata?.labels).toMatchObject({ app: 'tick' });
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'tick', uid: created.metadata?.uid, controller: true });
    // Events are written after the Job, by the recorder: wait for it.
    const made = await eventually(async () => (await eventsFor(ns, 'tick')).find((e) => e.reason === 'SuccessfulCreate'));
    expect(made.message).toBe(`Created job ${name}`);

    // The Job completes: it leaves the active list and its completion becomes lastSuccessfulTime.
    const cj = await eventually(async () => {
      const c = await rest.get(cronJobs, ns, 'tick');
      return (c.status?.active ?? []).length === 0 && c.status?.lastSuccessfulTime ? c : undefined;
    });
    expect(cj.status?.lastScheduleTime?.getTime()).toBe(first);
    const seen = await eventually(async () => (await eventsFor(ns, 'tick')).find((e) => e.reason === 'SawCompletedJob'));
    expect(seen.message).toBe(`Saw completed job: ${name}, status: Complete`);

    // The next minute brings the next Job.
    clock = first + 61_000;
    await eventually(jobNamed(ns, `tick-${first / 60_000 + 1}`));
    const again = await eventually(async () => {
      const c = await rest.get(cronJobs, ns, 'tick');
      return c.status?.lastScheduleTime?.getTime() === first + 60_000 ? c : undefined;
    });
    expect(again.status?.lastScheduleTime?.getTime()).toBe(first + 60_000);
    await rest.delete(cronJobs, ns, 'tick');
  });

  it('Forbid: starts no Job while the previous one runs', async () => {
    const ns = await namespace('cj-forbid');
    const { first } = await startCronJob(ns, cronJob('solo', { concurrencyPolicy: 'Forbid' }));
    clock = first + 1_000;
    await eventually(jobNamed(ns, `solo-${first / 60_000}`));
    await eventually(async () => ((await rest.get(cronJobs, ns, 'solo')).status?.active?.length === 1 ? true : undefined));
    clock = first + 61_000;
    const ev = await eventually(async () => (await eventsFor(ns, 'solo')).find((e) => e.reason === 'JobAlreadyActive'));
    expect(ev.message).toBe('Not starting job because prior execution is running and concurrency policy is Forbid');
    await sleep(300);
    expect((await jobsIn(ns)).map((j) => j.metadata?.name)).toEqual([`solo-${first / 60_000}`]);
    await rest.delete(cronJobs, ns, 'solo');
  });

  it('Replace: deletes the running Job for the new one', async () => {
    const ns = await namespace('cj-replace');
    const { first } = await startCronJob(ns, cronJob('swap', { concurrencyPolicy: 'Replace' }));
    clock = first + 1_000;
    const old = await eventually(jobNamed(ns, `swap-${first / 60_000}`));
    await eventually(async () => ((await rest.get(cronJobs, ns, 'swap')).status?.active?.length === 1 ? true : undefined));
    clock = first + 61_000;
    const next = await eventually(jobNamed(ns, `swap-${first / 60_000 + 1}`));
    await eventually(async () => ((await jobsIn(ns)).length === 1 ? true : undefined));
    const cj = await eventually(async () => {
      const c = await rest.get(cronJobs, ns, 'swap');
      return c.status?.active?.length === 1 && c.status.active[0]!.uid === next.metadata?.uid ? c : undefined;
    });
    expect(cj.status?.active?.[0]).toMatchObject({ kind: 'Job', apiVersion: 'batch/v1', name: next.metadata?.name, namespace: ns });
    expect((await eventsFor(ns, 'swap')).map((e) => e.message)).toContain(`Deleted job ${old.metadata?.name}`);
    await rest.delete(cronJobs, ns, 'swap');
  });

  it('keeps only successfulJobsHistoryLimit finished Jobs, deleting the oldest', async () => {
    const ns = await namespace('cj-history', () => 'succeeded');
    const { first } = await startCronJob(ns, cronJob('hist', { successfulJobsHistoryLimit: 1 }));
    clock = first + 1_000;
    const j1 = await eventually(async () => {
      const j = await jobNamed(ns, `hist-${first / 60_000}`)();
      return j && complete(j) ? j : undefined;
    });
    clock = first + 61_000;
    const j2 = await eventually(async () => {
      const j = await jobNamed(ns, `hist-${first / 60_000 + 1}`)();
      return j && complete(j) ? j : undefined;
    });
    const left = await eventually(async () => {
      const all = await jobsIn(ns);
      return all.length === 1 ? all : undefined;
    });
    expect(left[0]!.metadata?.uid).toBe(j2.metadata?.uid);
    const messages = await eventually(async () => {
      const all = (await eventsFor(ns, 'hist')).map((e) => e.message);
      return all.includes(`Deleted job ${j1.metadata?.name}`) ? all : undefined;
    });
    expect(messages).toContain(`Deleted job ${j1.metadata?.name}`);
    await rest.delete(cronJobs, ns, 'hist');
  });

  it('starts nothing while suspended; on resume starts the missed time unless startingDeadlineSeconds has passed', async () => {
    const ns = await namespace('cj-suspend', () => 'pending');
    const { first } = await startCronJob(ns, cronJob('nap', { suspend: true }));
    const { first: first2 } = await startCronJob(ns, cronJob('late', { suspend: true, startingDeadlineSeconds: 10 }));
    clock = Math.max(first, first2) + 30_000;
    await sleep(400);
    expect(await jobsIn(ns)).toEqual([]);

    await rest.patch(cronJobs, ns, 'nap', { spec: { suspend: false } });
    await rest.patch(cronJobs, ns, 'late', { spec: { suspend: false } });
    // Without a deadline, the missed minute runs late; 30 s late is past a 10 s deadline.
    await eventually(jobNamed(ns, `nap-${first / 60_000}`));
    await sleep(400);
    expect((await jobsIn(ns)).filter((j) => j.metadata?.name?.startsWith('late-'))).toEqual([]);
    // The next minute is within the deadline.
    clock = first2 + 61_000;
    await eventually(jobNamed(ns, `late-${first2 / 60_000 + 1}`));
    await rest.delete(cronJobs, ns, 'nap');
    await rest.delete(cronJobs, ns, 'late');
  });

  it('reads the schedule in spec.timeZone and stamps the scheduled time in that zone', async () => {
    const ns = await namespace('cj-tz', () => 'pending');
    const { created } = await startCronJob(ns, cronJob('tokyo', { schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' }));
    const fire = parseStandard('TZ=Asia/Tokyo 0 9 * * *').next(created.metadata!.creationTimestamp!.getTime())!;
    clock = fire + 1_000;
    const job = await eventually(jobNamed(ns, `tokyo-${fire / 60_000}`));
    expect(job.metadata?.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION]).toMatch(/^\d{4}-\d\d-\d\dT09:00:00\+09:00$/);
    await rest.delete(cronJobs, ns, 'tokyo');
  });

  it('warns of more than 100 missed start times and starts only the most recent', async () => {
    const ns = await namespace('cj-many', () => 'pending');
    const { first } = await startCronJob(ns, cronJob('lots'));
    clock = first + 200 * 60_000 + 1_000;
    const last = first + 200 * 60_000;
    await eventually(jobNamed(ns, `lots-${last / 60_000}`));
    const warn = await eventually(async () => (await eventsFor(ns, 'lots')).find((e) => e.reason === 'TooManyMissedTimes'));
    expect(warn).toMatchObject({ type: 'Warning', message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew' });
    await sleep(300);
    expect(await jobsIn(ns)).toHaveLength(1);
    await rest.delete(cronJobs, ns, 'lots');
  });

  it('kubectl create job --from=cronjob/x makes a Job from the template that runs to completion', async () => {
    const ns = await namespace('cj-kubectl', () => 'succeeded');
    const { created } = await startCronJob(ns, cronJob('nightly', { suspend: true }));
    const sys = { kubeconfig: srv.kubeconfigPath, logsFor: () => [] } as unknown as System;
    const out = await kubectlOk(sys, ['-n', ns, 'create', 'job', 'manual', '--from=cronjob/nightly']);
    expect(out.trim()).toBe('job.batch/manual created');
    const job = await rest.get(jobs, ns, 'manual');
    expect(job.metadata?.annotations).toMatchObject({ 'cronjob.kubernetes.io/instantiate': 'manual' });
    expect(job.metadata?.labels).toMatchObject({ app: 'nightly' });
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'nightly', uid: created.metadata?.uid, controller: true });
    await eventually(async () => (complete(await rest.get(jobs, ns, 'manual')) ? true : undefined));
    await rest.delete(cronJobs, ns, 'nightly');
  });
});
