import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CoreV1Event, V1Job, V1Pod } from '@kubernetes/client-node';
import { Informer, isNotFound, listWatcherFor, RestClient } from '../../client/index.ts';
import { events, jobs, namespaces, pods } from '../../client/resources.ts';
import { createDatabaseAt } from '../../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../../test/apiserver.ts';
import { runPodLife, type PodLifeOptions } from '../../test/podlife.ts';
import { startControllerManager, type RunningControllerManager } from '../index.ts';
import { jobController } from './index.ts';
import { COMPLETION_INDEX_ANNOTATION } from './indexes.ts';
import { JOB_TRACKING_FINALIZER } from './tracking.ts';
import { eventually } from '../../test/eventually.ts';

let srv: TestApiServer;
let ac: AbortController;
let cm: RunningControllerManager;
let rest: RestClient;

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  ac = new AbortController();
  // A short pod-failure back-off keeps the retry tests fast; upstream waits 10 s, then 20 s, …
  cm = startControllerManager({
    kubeconfig: srv.kubeconfig, signal: ac.signal, log: () => {},
    controllers: [jobController({ podFailureBackoff: { initialMs: 200, maxMs: 1_000 } })],
  });
  rest = new RestClient(srv.kubeconfig);
});

afterAll(async () => {
  ac?.abort();
  await cm?.done;
  rest?.close();
  await srv?.close();
});

/** A namespace with pods that come alive as `decide` says. */
async function namespace(name: string, decide?: PodLifeOptions['decide']): Promise<string> {
  await rest.create(namespaces, '', { metadata: { name } });
  runPodLife({ kubeconfig: srv.kubeconfig, namespace: name, signal: ac.signal, decide });
  return name;
}

const jobSpec = (o: Record<string, unknown> = {}): V1Job['spec'] => ({
  template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
  ...o,
} as V1Job['spec']);

const getJob = (ns: string, name: string) => rest.get(jobs, ns, name);
const condition = (job: V1Job, type: string) => job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
const jobPods = async (ns: string) => (await rest.list(pods, ns)).items;
const isActive = (p: V1Pod) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
const eventsFor = async (ns: string, name: string): Promise<CoreV1Event[]> => (await rest.list(events, ns)).items.filter((e) => e.involvedObject.name === name);

/**
 * Watches a namespace's pods through an informer and keeps the most active at any moment: it sees
 * every pod, however briefly one lives, where polling under load could miss it.
 */
function watchMaxActive(ns: string): { max: () => number; stop: () => Promise<void> } {
  let maxActive = 0;
  const watch = new AbortController();
  const inf = new Informer<V1Pod>(listWatcherFor(rest, pods, { namespace: ns }), { name: 'test-pods' });
  const measure = () => { maxActive = Math.max(maxActive, inf.list().filter(isActive).length); };
  inf.addEventHandler({ onAdd: measure, onUpdate: measure, onDelete: measure });
  const running = inf.run(watch.signal);
  return { max: () => maxActive, stop: async () => { watch.abort(); await running; } };
}

/** Ends a pod the way the kubelet reports it: phase and a terminated container. */
async function finishPod(p: V1Pod, phase: 'Succeeded' | 'Failed'): Promise<void> {
  const now = new Date();
  await rest.patch(pods, p.metadata!.namespace!, p.metadata!.name!, {
    status: {
      phase,
      conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now }],
      containerStatuses: [{
        name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0,
        state: { terminated: { exitCode: phase === 'Succeeded' ? 0 : 1, startedAt: now, finishedAt: now, reason: phase === 'Succeeded' ? 'Completed' : 'Error' } },
      }],
    },
  }, { type: 'merge', subresource: 'status' });
}

describe('job controller', () => {
  it('runs a Job with completions 3 and parallelism 2 to Complete, never more than 2 pods at once, each tracked by the finalizer until counted', async () => {
    const ns = await namespace('job-complete', () => 'pending');
    const active = watchMaxActive(ns);
    try {
      await rest.create(jobs, ns, { metadata: { name: 'pi' }, spec: jobSpec({ completions: 3, parallelism: 2 }) });
      for (let done = 0; done < 3; done++) {
        const active = await eventually(async () => {
          const a = (await jobPods(ns)).filter(isActive);
          return a.length === Math.min(2, 3 - done) ? a : undefined;
        });
        for (const p of active) {
          expect(p.metadata?.finalizers).toContain(JOB_TRACKING_FINALIZER);
          expect(p.metadata?.generateName).toBe('pi-');
          expect(p.metadata?.labels).toMatchObject({ 'batch.kubernetes.io/job-name': 'pi', 'job-name': 'pi' });
          expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'pi', controller: true, blockOwnerDeletion: true });
        }
        await finishPod(active[0]!, 'Succeeded');
        await eventually(async () => ((await getJob(ns, 'pi')).status?.succeeded === done + 1 ? true : undefined));
      }
      const job = await eventually(async () => {
        const j = await getJob(ns, 'pi');
        return condition(j, 'Complete') ? j : undefined;
      });
      expect(job.status).toMatchObject({ succeeded: 3, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
      // Zero counters are omitted, as upstream's omitempty fields.
      expect(job.status?.active).toBeUndefined();
      expect(job.status?.failed).toBeUndefined();
      expect(condition(job, 'SuccessCriteriaMet')).toMatchObject({ reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
      expect(condition(job, 'Complete')).toMatchObject({ reason: 'CompletionsReached' });
      expect(job.status?.startTime).toBeInstanceOf(Date);
      expect(job.status?.completionTime).toEqual(condition(job, 'Complete')?.lastTransitionTime);
      expect(active.max()).toBe(2);
      const left = await jobPods(ns);
      expect(left.filter((p) => p.status?.phase === 'Succeeded')).toHaveLength(3);
      expect(left.every((p) => !(p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER))).toBe(true);
      const reasons = await eventually(async () => {
        const r = (await eventsFor(ns, 'pi')).map((e) => e.reason);
        return r.includes('Completed') ? r : undefined;
      });
      const created = (await eventsFor(ns, 'pi')).filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message);
      expect(reasons.filter((r) => r === 'SuccessfulCreate')).toHaveLength(3);
      expect(created.sort()).toEqual(left.map((p) => `Created pod: ${p.metadata!.name}`).sort());
    } finally {
      await active.stop();
    }
  });

  it('fails a Job whose pods keep failing once failures exceed backoffLimit 1: FailureTarget, then Failed with BackoffLimitExceeded', async () => {
    const ns = await namespace('job-backoff', () => 'failed');
    await rest.create(jobs, ns, { metadata: { name: 'crash' }, spec: jobSpec({ backoffLimit: 1 }) });
    const job = await eventually(async () => {
      const j = await getJob(ns, 'crash');
      return condition(j, 'Failed') ? j : undefined;
    });
    expect(condition(job, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(condition(job, 'FailureTarget')).toMatchObject({ reason: 'BackoffLimitExceeded' });
    expect(job.status).toMatchObject({ failed: 2, ready: 0, terminating: 0 });
    expect(job.status?.succeeded ?? 0).toBe(0);
    expect(job.status?.completionTime).toBeUndefined();
    // One pod and one retry, no more.
    await new Promise((r) => setTimeout(r, 500));
    const all = await jobPods(ns);
    expect(all).toHaveLength(2);
    expect(all.every((p) => p.status?.phase === 'Failed' && !(p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER))).toBe(true);
    const warning = await eventually(async () => (await eventsFor(ns, 'crash')).find((e) => e.reason === 'BackoffLimitExceeded'));
    expect(warning).toMatchObject({ type: 'Warning', message: 'Job has reached the specified backoff limit' });
  });

  it('stops a Job at activeDeadlineSeconds: its running pods are deleted and it fails with DeadlineExceeded', async () => {
    const ns = await namespace('job-deadline');
    // The two pods live for the deadline's one second: polling under load could miss them.
    const active = watchMaxActive(ns);
    let job: V1Job;
    try {
      await rest.create(jobs, ns, { metadata: { name: 'slow' }, spec: jobSpec({ activeDeadlineSeconds: 1, parallelism: 2, completions: 4 }) });
      job = await eventually(async () => {
        const j = await getJob(ns, 'slow');
        return condition(j, 'Failed') ? j : undefined;
      }, 20_000);
    } finally {
      await active.stop();
    }
    expect(active.max()).toBe(2);
    expect(condition(job, 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    expect(job.status).toMatchObject({ failed: 2, terminating: 0 });
    expect(job.status?.active ?? 0).toBe(0);
    await eventually(async () => ((await jobPods(ns)).length === 0 ? true : undefined));
    const reasons = (await eventsFor(ns, 'slow')).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['SuccessfulCreate', 'SuccessfulDelete', 'DeadlineExceeded']));
  });

  it('gives an Indexed Job one pod per index, named <job>-<index>-, told its index, and records completedIndexes', async () => {
    const ns = await namespace('job-indexed', () => 'succeeded');
    await rest.create(jobs, ns, { metadata: { name: 'idx' }, spec: jobSpec({ completions: 3, parallelism: 3, completionMode: 'Indexed' }) });
    const job = await eventually(async () => {
      const j = await getJob(ns, 'idx');
      return condition(j, 'Complete') ? j : undefined;
    });
    expect(job.status).toMatchObject({ completedIndexes: '0-2', succeeded: 3 });
    const all = (await jobPods(ns)).sort((a, b) => Number(a.metadata!.annotations![COMPLETION_INDEX_ANNOTATION]) - Number(b.metadata!.annotations![COMPLETION_INDEX_ANNOTATION]));
    expect(all).toHaveLength(3);
    all.forEach((p, i) => {
      expect(p.metadata?.name).toMatch(new RegExp(`^idx-${i}-[a-z0-9]{5}$`));
      expect(p.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION]).toBe(String(i));
      expect(p.metadata?.labels?.[COMPLETION_INDEX_ANNOTATION]).toBe(String(i));
      expect(p.spec?.hostname).toBe(`idx-${i}`);
      expect(p.spec?.containers[0]?.env).toContainEqual(expect.objectContaining({
        name: 'JOB_COMPLETION_INDEX', valueFrom: expect.objectContaining({ fieldRef: expect.objectContaining({ fieldPath: `metadata.labels['${COMPLETION_INDEX_ANNOTATION}']` }) }),
      }));
    });
  });

  it('keeps a suspended Job without pods, starts it on resume, and deletes its pods when suspended again', async () => {
    const ns = await namespace('job-suspend');
    await rest.create(jobs, ns, { metadata: { name: 'later' }, spec: jobSpec({ suspend: true, parallelism: 2, completions: 2 }) });
    let job = await eventually(async () => {
      const j = await getJob(ns, 'later');
      return condition(j, 'Suspended') ? j : undefined;
    });
    expect(condition(job, 'Suspended')).toMatchObject({ reason: 'JobSuspended', message: 'Job suspended' });
    expect(job.status?.startTime).toBeUndefined();
    expect(await jobPods(ns)).toHaveLength(0);

    await rest.patch(jobs, ns, 'later', { spec: { suspend: false } });
    await eventually(async () => ((await jobPods(ns)).filter(isActive).length === 2 ? true : undefined));
    job = await eventually(async () => {
      const j = await getJob(ns, 'later');
      return j.status?.conditions?.find((c) => c.type === 'Suspended' && c.status === 'False') && j.status.active === 2 ? j : undefined;
    });
    expect(job.status?.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({ reason: 'JobResumed', message: 'Job resumed' });
    expect(job.status?.startTime).toBeInstanceOf(Date);

    await rest.patch(jobs, ns, 'later', { spec: { suspend: true } });
    await eventually(async () => ((await jobPods(ns)).length === 0 ? true : undefined));
    job = await eventually(async () => {
      const j = await getJob(ns, 'later');
      return condition(j, 'Suspended') && !j.status?.active ? j : undefined;
    });
    // Pods deleted for a suspension are not failures.
    expect(job.status?.failed ?? 0).toBe(0);
    const reasons = (await eventsFor(ns, 'later')).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Suspended', 'Resumed', 'SuccessfulDelete']));
  });

  it('fails a Job at once when a failed pod matches a FailJob rule of its podFailurePolicy', async () => {
    const ns = await namespace('job-pfp', () => 'failed');
    await rest.create(jobs, ns, {
      metadata: { name: 'strict' },
      spec: jobSpec({ backoffLimit: 6, podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }] } }),
    });
    const job = await eventually(async () => {
      const j = await getJob(ns, 'strict');
      return condition(j, 'Failed') ? j : undefined;
    });
    const pod = (await jobPods(ns))[0]!;
    expect(condition(job, 'Failed')).toMatchObject({
      reason: 'PodFailurePolicy',
      message: `Container c for pod ${ns}/${pod.metadata!.name} failed with exit code 1 matching FailJob rule at index 0`,
    });
    expect(job.status?.failed).toBe(1);
    expect(await jobPods(ns)).toHaveLength(1);
  });

  it('adopts a matching orphan pod (adding the finalizer) and frees pods of a deleted Job from the finalizer', async () => {
    const ns = await namespace('job-orphans', () => 'pending');
    // An orphan matching the selector (as after an orphaning delete of an earlier owner).
    await rest.create(pods, ns, { metadata: { name: 'stray', labels: { app: 'adopt' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } });
    const job = await rest.create(jobs, ns, {
      metadata: { name: 'adopt' },
      spec: jobSpec({
        parallelism: 1, completions: 1, manualSelector: true, selector: { matchLabels: { app: 'adopt' } },
        template: { metadata: { labels: { app: 'adopt' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      }),
    });
    const adopted = await eventually(async () => {
      const p = await rest.get(pods, ns, 'stray');
      return p.metadata?.ownerReferences?.[0]?.uid === job.metadata?.uid && p.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER) ? p : undefined;
    });
    expect(adopted.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'adopt', controller: true });
    await eventually(async () => ((await getJob(ns, 'adopt')).status?.active === 1 ? true : undefined));
    // The adopted pod is the one the Job runs: none is created besides it.
    expect((await jobPods(ns)).map((p) => p.metadata?.name)).toEqual(['stray']);

    // The Job goes (no garbage collector runs here, so its pod stays): the pod must not keep the finalizer.
    await rest.delete(jobs, ns, 'adopt', { propagationPolicy: 'Background' });
    await eventually(async () => {
      try { await getJob(ns, 'adopt'); return undefined; } catch (e) { return isNotFound(e) ? true : undefined; }
    });
    const freed = await eventually(async () => {
      const p = await rest.get(pods, ns, 'stray');
      return (p.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER) ? undefined : p;
    });
    expect(freed.metadata?.ownerReferences?.[0]?.uid).toBe(job.metadata?.uid);
  });
});
