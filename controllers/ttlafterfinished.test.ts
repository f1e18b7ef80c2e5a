import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { V1Job } from '@kubernetes/client-node';
import { isNotFound, RestClient } from '../client/index.ts';
import { jobs, namespaces, pods } from '../client/resources.ts';
import { createDatabaseAt } from '../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../test/apiserver.ts';
import { runPodLife } from '../test/podlife.ts';
import { garbageCollector } from './garbagecollector.ts';
import { startControllerManager, type RunningControllerManager } from './index.ts';
import { jobController } from './job/index.ts';
import { ttlAfterFinishedController, ttlDecision } from './ttlafterfinished.ts';
import { eventually } from '../test/eventually.ts';

let srv: TestApiServer;
let ac: AbortController;
let cm: RunningControllerManager;
let rest: RestClient;

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')) });
  ac = new AbortController();
  cm = startControllerManager({
    kubeconfig: srv.kubeconfig, signal: ac.signal, log: () => {},
    controllers: [jobController(), ttlAfterFinishedController(), garbageCollector({ rediscoverMs: 2_000 })],
  });
  rest = new RestClient(srv.kubeconfig);
  await rest.create(namespaces, '', { metadata: { name: 'ttl' } });
  runPodLife({ kubeconfig: srv.kubeconfig, namespace: 'ttl', signal: ac.signal, decide: () => 'succeeded' });
});

afterAll(async () => {
  ac?.abort();
  await cm?.done;
  rest?.close();
  await srv?.close();
});

const job = (name: string, ttl?: number): V1Job => ({
  metadata: { name },
  spec: {
    ...(ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl }),
    template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
  },
});

const finishedJob = (finishedAt: string, ttl: number | undefined, o: { deleting?: boolean } = {}): V1Job => ({
  metadata: { name: 'j', ...(o.deleting ? { deletionTimestamp: new Date() } : {}) },
  spec: { ...(ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl }), template: {} },
  status: { conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: new Date(finishedAt) }] },
});

describe('ttl-after-finished controller', () => {
  it('waits until ttlSecondsAfterFinished past the finish, then deletes; ignores Jobs without a TTL, unfinished or being deleted', () => {
    const t = Date.parse('2026-01-01T00:00:10Z');
    expect(ttlDecision(finishedJob('2026-01-01T00:00:00Z', 30), t)).toEqual({ action: 'wait', leftMs: 20_000 });
    expect(ttlDecision(finishedJob('2026-01-01T00:00:00Z', 10), t)).toEqual({ action: 'delete' });
    expect(ttlDecision(finishedJob('2026-01-01T00:00:00Z', undefined), t)).toEqual({ action: 'none' });
    expect(ttlDecision(finishedJob('2026-01-01T00:00:00Z', 0, { deleting: true }), t)).toEqual({ action: 'none' });
    expect(ttlDecision({ metadata: {}, spec: { ttlSecondsAfterFinished: 0, template: {} }, status: {} }, t)).toEqual({ action: 'none' });
  });

  it('deletes a finished Job with its pods once its TTL has passed, and keeps one without a TTL', async () => {
    await rest.create(jobs, 'ttl', job('keep'));
    const created = await rest.create(jobs, 'ttl', job('brief', 1));
    const done = await eventually(async () => {
      const j = await rest.get(jobs, 'ttl', 'brief');
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
    });
    expect(done.metadata?.uid).toBe(created.metadata?.uid);
    const completedAt = new Date(done.status!.conditions!.find((c) => c.type === 'Complete')!.lastTransitionTime!).getTime();
    await eventually(async () => {
      try {
        await rest.get(jobs, 'ttl', 'brief');
        return undefined;
      } catch (e) {
        return isNotFound(e) ? true : undefined;
      }
    });
    // Not before the TTL has passed since the Complete condition's time.
    expect(Date.now()).toBeGreaterThanOrEqual(completedAt + 1000);
    const left = (await rest.list(pods, 'ttl')).items.filter((p) => p.metadata?.ownerReferences?.[0]?.uid === created.metadata?.uid);
    expect(left).toEqual([]);
    // The Job without a TTL is finished too, and stays.
    const keep = await eventually(async () => {
      const j = await rest.get(jobs, 'ttl', 'keep');
      return j.status?.conditions?.some((c) => c.type === 'Complete') ? j : undefined;
    });
    expect(keep.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('honours a TTL lowered after the Job finished', async () => {
    await rest.create(jobs, 'ttl', job('lowered', 3600));
    await eventually(async () => {
      const j = await rest.get(jobs, 'ttl', 'lowered');
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect((await rest.get(jobs, 'ttl', 'lowered')).metadata?.deletionTimestamp).toBeUndefined();
    await rest.patch(jobs, 'ttl', 'lowered', { spec: { ttlSecondsAfterFinished: 0 } });
    await eventually(async () => {
      try {
        await rest.get(jobs, 'ttl', 'lowered');
        return undefined;
      } catch (e) {
        return isNotFound(e) ? true : undefined;
      }
    });
  });
});
