// The Deployment controller against a real API server, with the ReplicaSet controller and pods
// made Running (and Ready, unless their image says "never-ready") by test/podlife.ts; then the
// real kubectl's create / scale / set image / rollout status|history|undo|pause|resume|restart.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import type { CoreV1Event, V1Deployment, V1DeploymentStrategy, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { RestClient } from '../../client/index.ts';
import { deployments, events, namespaces, pods, replicaSets } from '../../client/resources.ts';
import { createDatabaseAt } from '../../test/postgres.ts';
import { startTestApiServer, type TestApiServer } from '../../test/apiserver.ts';
import { runPodLife } from '../../test/podlife.ts';
import { replicaSetController } from '../replicaset.ts';
import { startControllerManager, type RunningControllerManager } from '../index.ts';
import { deploymentController } from './index.ts';
import { newReplicaSetFor } from './sync.ts';
import { POD_TEMPLATE_HASH_LABEL } from './util.ts';

let srv: TestApiServer;
let ac: AbortController;
let cm: RunningControllerManager;
let rest: RestClient;
const background: Array<Promise<void>> = [];

beforeAll(async () => {
  srv = await startTestApiServer({ databaseUrl: await createDatabaseAt(inject('pgAdminUrl')), tls: true });
  ac = new AbortController();
  cm = startControllerManager({ kubeconfig: srv.kubeconfig, signal: ac.signal, log: () => {}, controllers: [deploymentController(), replicaSetController()] });
  rest = new RestClient(srv.kubeconfig);
});

afterAll(async () => {
  ac?.abort();
  await cm?.done;
  await Promise.all(background);
  rest?.close();
  await srv?.close();
});

async function eventually<T>(fn: () => Promise<T | undefined>, ms = 20_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A namespace whose pods become Running and Ready, except those whose image mentions "never-ready". */
async function namespace(name: string): Promise<string> {
  await rest.create(namespaces, '', { metadata: { name } });
  background.push(runPodLife({
    kubeconfig: srv.kubeconfig, namespace: name, signal: ac.signal,
    decide: (p) => (p.spec?.containers.some((c) => c.image?.includes('never-ready')) ? 'running-not-ready' : 'ready'),
  }).done);
  return name;
}

function deploymentOf(name: string, o: { replicas?: number; image?: string; strategy?: V1DeploymentStrategy; labels?: Record<string, string>; progressDeadlineSeconds?: number; revisionHistoryLimit?: number } = {}): V1Deployment {
  const labels = o.labels ?? { app: name };
  return {
    metadata: { name },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: o.image ?? 'img:1' }] } },
      ...(o.strategy ? { strategy: o.strategy } : {}),
      ...(o.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: o.progressDeadlineSeconds } : {}),
      ...(o.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: o.revisionHistoryLimit } : {}),
    },
  };
}

const condition = (d: V1Deployment, type: string) => d.status?.conditions?.find((c) => c.type === type);
const ownedRSs = async (ns: string, d: V1Deployment): Promise<V1ReplicaSet[]> =>
  (await rest.list(replicaSets, ns)).items.filter((rs) => rs.metadata?.ownerReferences?.some((r) => r.controller && r.uid === d.metadata?.uid));
const imageOf = (o: { spec?: { template?: { spec?: { containers: Array<{ image?: string }> } } } }) => o.spec?.template?.spec?.containers[0]?.image;
const isReady = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Waits for what `kubectl rollout status` waits for: observed, all updated, no old replicas, all available. */
async function rolledOut(ns: string, name: string, ms = 20_000): Promise<V1Deployment> {
  return eventually(async () => {
    const d = await rest.get(deployments, ns, name);
    const s = d.status ?? {};
    const n = d.spec?.replicas ?? 0;
    return (d.metadata?.generation ?? 0) <= (s.observedGeneration ?? 0) && (s.updatedReplicas ?? 0) === n && (s.replicas ?? 0) === n
      && (s.availableReplicas ?? 0) === n && condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' ? d : undefined;
  }, ms, `rollout of ${ns}/${name}`);
}

async function setImage(ns: string, name: string, image: string): Promise<void> {
  await rest.patch(deployments, ns, name, { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } }, { type: 'strategic' });
}

async function eventsFor(ns: string, name: string, reason: string): Promise<CoreV1Event[]> {
  return (await rest.list(events, ns)).items.filter((e) => e.involvedObject.name === name && e.reason === reason);
}

/**
 * Watches a namespace's pods from now on: the fewest Ready pods not being deleted at any moment,
 * and the pods in the order they were first seen (with how many other pods existed then).
 */
async function watchPods(ns: string) {
  const start = await rest.list(pods, ns);
  const live = new Map(start.items.map((p) => [p.metadata!.name!, p]));
  const stats = { minAvailable: Infinity, events: 0, added: [] as Array<{ pod: V1Pod; others: V1Pod[] }> };
  const recount = () => {
    const available = [...live.values()].filter((p) => !p.metadata?.deletionTimestamp && isReady(p)).length;
    stats.minAvailable = Math.min(stats.minAvailable, available);
  };
  recount();
  const ctrl = new AbortController();
  const done = rest.watch(pods, ns, { resourceVersion: start.resourceVersion }, (ev) => {
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
      const name = ev.object.metadata!.name!;
      if (ev.type === 'ADDED') stats.added.push({ pod: ev.object, others: [...live.values()] });
      live.set(name, ev.object);
    } else if (ev.type === 'DELETED') {
      live.delete(ev.object.metadata!.name!);
    } else return;
    stats.events++;
    recount();
  }, ctrl.signal).catch(() => undefined);
  return { stats, stop: async () => { ctrl.abort(); await done; return stats; } };
}

describe('deployment controller', () => {
  it('creates <name>-<pod-template-hash> with upstream\'s labels, annotations, owner reference, status and conditions', async () => {
    const ns = await namespace('dep-basic');
    const created = await rest.create(deployments, ns, deploymentOf('web', { replicas: 3 }));
    const d = await rolledOut(ns, 'web');
    const [rs, ...others] = await ownedRSs(ns, d);
    expect(others).toEqual([]);
    const hash = rs!.metadata!.labels![POD_TEMPLATE_HASH_LABEL]!;
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs!.metadata?.name).toBe(`web-${hash}`);
    expect(rs!.spec?.selector.matchLabels).toEqual({ app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
    expect(rs!.spec?.template?.metadata?.labels).toEqual({ app: 'web', [POD_TEMPLATE_HASH_LABEL]: hash });
    expect(rs!.metadata?.ownerReferences).toEqual([expect.objectContaining({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: created.metadata?.uid, controller: true, blockOwnerDeletion: true })]);
    // 25% of 3: surge rounds up to 1, so max-replicas is 4.
    expect(rs!.metadata?.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(d.status).toMatchObject({ observedGeneration: d.metadata?.generation, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    // The revision annotation rides on the status write (upstream's status strategy keeps annotations), so no spec-side write bumped the generation.
    expect(d.metadata?.generation).toBe(1);
    expect(d.status).not.toHaveProperty('unavailableReplicas');
    expect(condition(d, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    expect(condition(d, 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "web-${hash}" has successfully progressed.` });
    const scaled = await eventually(async () => ((await eventsFor(ns, 'web', 'ScalingReplicaSet')).length > 0 ? eventsFor(ns, 'web', 'ScalingReplicaSet') : undefined));
    expect(scaled[0]!.message).toBe(`Scaled up replica set web-${hash} to 3`);
    // Level-triggered and settled: with nothing changing, nothing is written again.
    const rv = (await rest.get(deployments, ns, 'web')).metadata?.resourceVersion;
    const rsRv = (await rest.get(replicaSets, ns, rs!.metadata!.name!)).metadata?.resourceVersion;
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await rest.get(deployments, ns, 'web')).metadata?.resourceVersion).toBe(rv);
    expect((await rest.get(replicaSets, ns, rs!.metadata!.name!)).metadata?.resourceVersion).toBe(rsRv);
  });

  it('rolls a new template out without dropping below replicas - maxUnavailable, and keeps revisionHistoryLimit old ReplicaSets', async () => {
    const ns = await namespace('dep-rolling');
    await rest.create(deployments, ns, deploymentOf('web', { replicas: 4, revisionHistoryLimit: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } }));
    const first = await rolledOut(ns, 'web');
    const watcher = await watchPods(ns);
    await setImage(ns, 'web', 'img:2');
    await eventually(async () => ((await ownedRSs(ns, first)).length === 2 ? true : undefined));
    await rolledOut(ns, 'web');
    await setImage(ns, 'web', 'img:3');
    await eventually(async () => (imageOf((await ownedRSs(ns, first)).find((rs) => (rs.spec?.replicas ?? 0) > 0) ?? {}) === 'img:3' ? true : undefined));
    const d = await rolledOut(ns, 'web');
    const stats = await watcher.stop();
    expect(stats.events).toBeGreaterThan(0);
    expect(stats.minAvailable).toBeGreaterThanOrEqual(3);
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    // History: the new ReplicaSet and one old one (revision 1's ReplicaSet was deleted).
    const rss = await eventually(async () => { const l = await ownedRSs(ns, d); return l.length === 2 ? l : undefined; });
    const byImage = Object.fromEntries(rss.map((rs) => [imageOf(rs), rs]));
    expect(Object.keys(byImage).sort()).toEqual(['img:2', 'img:3']);
    expect(byImage['img:3']!.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(byImage['img:2']!.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(byImage['img:2']!.spec?.replicas).toBe(0);
  });

  it('Recreate: every old pod is gone before the first new pod is created', async () => {
    const ns = await namespace('dep-recreate');
    await rest.create(deployments, ns, deploymentOf('web', { replicas: 3, strategy: { type: 'Recreate' } }));
    await rolledOut(ns, 'web');
    const watcher = await watchPods(ns);
    await setImage(ns, 'web', 'img:2');
    await eventually(async () => (imageOf((await ownedRSs(ns, await rest.get(deployments, ns, 'web'))).find((rs) => (rs.spec?.replicas ?? 0) > 0) ?? {}) === 'img:2' ? true : undefined));
    await rolledOut(ns, 'web');
    const stats = await watcher.stop();
    const firstNew = stats.added.find((a) => imageOf({ spec: { template: { spec: a.pod.spec } } }) === 'img:2');
    expect(firstNew).toBeDefined();
    expect(firstNew!.others.map((p) => p.spec?.containers[0]?.image)).toEqual([]);
    expect(stats.added.filter((a) => a.pod.spec?.containers[0]?.image === 'img:2')).toHaveLength(3);
  });

  it('scales proportionally in the middle of a rollout (upstream e2e: 10 → 30, maxSurge 3, maxUnavailable 2, 8 + 5 → 20 + 13)', async () => {
    const ns = await namespace('dep-proportional');
    await rest.create(deployments, ns, deploymentOf('web', { replicas: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }));
    const d = await rolledOut(ns, 'web');
    await setImage(ns, 'web', 'never-ready:1');
    const sizes = async () => {
      const rss = await ownedRSs(ns, d);
      return Object.fromEntries(rss.map((rs) => [imageOf(rs)!, rs.spec?.replicas ?? 0]));
    };
    // The rollout stalls: 8 old available (10 - maxUnavailable), 5 new never ready (13 - 8).
    await eventually(async () => { const s = await sizes(); return s['img:1'] === 8 && s['never-ready:1'] === 5 ? s : undefined; });
    await rest.patch(deployments, ns, 'web', { spec: { replicas: 30 } }, { type: 'merge', subresource: 'scale' });
    const after = await eventually(async () => { const s = await sizes(); return s['img:1'] === 20 && s['never-ready:1'] === 13 ? s : undefined; }, 20_000, 'proportional sizes');
    expect(after).toEqual({ 'img:1': 20, 'never-ready:1': 13 });
    const rss = await ownedRSs(ns, d);
    for (const rs of rss) expect(rs.metadata?.annotations).toMatchObject({ 'deployment.kubernetes.io/desired-replicas': '30', 'deployment.kubernetes.io/max-replicas': '33' });
  });

  it('reports ProgressDeadlineExceeded when a rollout makes no progress within progressDeadlineSeconds', async () => {
    const ns = await namespace('dep-deadline');
    await rest.create(deployments, ns, deploymentOf('web', { replicas: 2, progressDeadlineSeconds: 2 }));
    await rolledOut(ns, 'web');
    await setImage(ns, 'web', 'never-ready:1');
    const d = await eventually(async () => {
      const x = await rest.get(deployments, ns, 'web');
      return condition(x, 'Progressing')?.reason === 'ProgressDeadlineExceeded' ? x : undefined;
    }, 15_000, 'ProgressDeadlineExceeded');
    const newRS = (await ownedRSs(ns, d)).find((rs) => imageOf(rs) === 'never-ready:1');
    expect(condition(d, 'Progressing')).toMatchObject({ status: 'False', message: `ReplicaSet "${newRS?.metadata?.name}" has timed out progressing.` });
    // Old pods are still serving: minimum availability holds.
    expect(condition(d, 'Available')?.status).toBe('True');
  });

  it('adopts a matching orphan ReplicaSet as an old revision and rolls over from it (upstream e2e revision 3546343826724305832)', async () => {
    const ns = await namespace('dep-adopt');
    const rsLabels = { name: 'sample-pod', pod: 'httpd' };
    const orphan = await rest.create(replicaSets, ns, {
      metadata: { name: 'test-rolling-update-controller', labels: rsLabels, annotations: { 'deployment.kubernetes.io/revision': '3546343826724305832' } },
      spec: { replicas: 1, selector: { matchLabels: rsLabels }, template: { metadata: { labels: rsLabels }, spec: { containers: [{ name: 'httpd', image: 'httpd:old' }] } } },
    });
    await eventually(async () => ((await rest.get(replicaSets, ns, orphan.metadata!.name!)).status?.availableReplicas === 1 ? true : undefined));
    await rest.create(deployments, ns, deploymentOf('test-rolling-update-deployment', { replicas: 1, labels: { name: 'sample-pod' }, image: 'agnhost:new' }));
    const d = await rolledOut(ns, 'test-rolling-update-deployment');
    expect(d.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('3546343826724305833');
    const adopted = await eventually(async () => {
      const rs = await rest.get(replicaSets, ns, orphan.metadata!.name!);
      return rs.spec?.replicas === 0 ? rs : undefined;
    });
    expect(adopted.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'Deployment', uid: d.metadata?.uid, controller: true })]);
    expect((await ownedRSs(ns, d)).map((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision']).sort()).toEqual(['3546343826724305832', '3546343826724305833']);
  });

  it('answers a ReplicaSet name taken by another template by bumping status.collisionCount; a paused Deployment creates nothing', async () => {
    const ns = await namespace('dep-collision');
    const paused = deploymentOf('web', { replicas: 2 });
    paused.spec!.paused = true;
    const created = await rest.create(deployments, ns, paused);
    await eventually(async () => (condition(await rest.get(deployments, ns, 'web'), 'Progressing')?.reason === 'DeploymentPaused' ? true : undefined));
    expect(await ownedRSs(ns, created)).toEqual([]);
    // The name the controller will want, taken first by a ReplicaSet the Deployment does not select.
    const wanted = newReplicaSetFor(await rest.get(deployments, ns, 'web'), created.metadata!.uid!).metadata!.name!;
    const squatter = await rest.create(replicaSets, ns, {
      metadata: { name: wanted, labels: { other: 'x' } },
      spec: { replicas: 0, selector: { matchLabels: { other: 'x' } }, template: { metadata: { labels: { other: 'x' } }, spec: { containers: [{ name: 'c', image: 'other' }] } } },
    });
    await rest.patch(deployments, ns, 'web', { spec: { paused: false } }, { type: 'merge' });
    const d = await rolledOut(ns, 'web');
    expect(d.status?.collisionCount).toBe(1);
    const [rs, ...others] = await ownedRSs(ns, d);
    expect(others).toEqual([]);
    expect(rs!.metadata?.name).not.toBe(wanted);
    const untouched = await rest.get(replicaSets, ns, wanted);
    expect(untouched.metadata?.uid).toBe(squatter.metadata?.uid);
    expect(untouched.metadata?.ownerReferences ?? []).toEqual([]);
  });

  it('rolls back through the deprecated rollback annotation, keeping the old revision in revision-history', async () => {
    const ns = await namespace('dep-rollback');
    await rest.create(deployments, ns, deploymentOf('web', { replicas: 2 }));
    await rolledOut(ns, 'web');
    await setImage(ns, 'web', 'img:2');
    await eventually(async () => (imageOf(await rest.get(deployments, ns, 'web')) === 'img:2' ? true : undefined));
    await rolledOut(ns, 'web');
    await rest.patch(deployments, ns, 'web', { metadata: { annotations: { 'deprecated.deployment.rollback.to': '1' } } }, { type: 'merge' });
    const d = await eventually(async () => {
      const x = await rest.get(deployments, ns, 'web');
      return imageOf(x) === 'img:1' && !x.metadata?.annotations?.['deprecated.deployment.rollback.to'] ? x : undefined;
    });
    await rolledOut(ns, 'web');
    const current = (await ownedRSs(ns, d)).find((rs) => imageOf(rs) === 'img:1');
    await eventually(async () => ((await rest.get(replicaSets, ns, current!.metadata!.name!)).metadata?.annotations?.['deployment.kubernetes.io/revision'] === '3' ? true : undefined));
    expect((await rest.get(replicaSets, ns, current!.metadata!.name!)).metadata?.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    const done = await eventually(async () => ((await eventsFor(ns, 'web', 'DeploymentRollback')).length > 0 ? eventsFor(ns, 'web', 'DeploymentRollback') : undefined));
    expect(done[0]!.message).toBe('Rolled back deployment "web" to revision 1');
  });
});

/** The real kubectl, asynchronously: the API server answering it runs in this process. */
function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: srv.kubeconfigPath, KUBECTL_VERSION: '1.32' }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

async function kubectlOk(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('kubectl rollout', () => {
  it('create, scale, set image, rollout status|history|undo|pause|resume|restart', async () => {
    const ns = await namespace('dep-kubectl');
    const n = ['-n', ns];
    expect(await kubectlOk('create', 'deployment', 'web', '--image=img:1', '--replicas=4', ...n)).toBe('deployment.apps/web created\n');
    expect(await kubectlOk('rollout', 'status', 'deployment/web', '--timeout=60s', ...n)).toContain('deployment "web" successfully rolled out');
    expect(await kubectlOk('scale', 'deployment', 'web', '--replicas=6', ...n)).toBe('deployment.apps/web scaled\n');
    await kubectlOk('rollout', 'status', 'deployment/web', '--timeout=60s', ...n);
    await rolledOut(ns, 'web');

    // 6 replicas at 25%: maxUnavailable rounds down to 1, so at least 5 stay available throughout.
    const watcher = await watchPods(ns);
    expect(await kubectlOk('set', 'image', 'deployment/web', '*=img:2', ...n)).toBe('deployment.apps/web image updated\n');
    await kubectlOk('annotate', 'deployment/web', 'kubernetes.io/change-cause=to img:2', ...n);
    const status = await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s', ...n);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('deployment "web" successfully rolled out');
    const stats = await watcher.stop();
    expect(stats.added.filter((a) => a.pod.spec?.containers[0]?.image === 'img:2')).toHaveLength(6);
    expect(stats.minAvailable).toBeGreaterThanOrEqual(5);

    const history = await kubectlOk('rollout', 'history', 'deployment/web', ...n);
    expect(history.split('\n').map((l) => l.trim().split(/\s+/))).toEqual(expect.arrayContaining([['1', '<none>'], ['2', 'to', 'img:2']]));
    expect(await kubectlOk('rollout', 'history', 'deployment/web', '--revision=2', ...n)).toMatch(/Image:\s+img:2/);

    expect(await kubectlOk('rollout', 'undo', 'deployment/web', ...n)).toBe('deployment.apps/web rolled back\n');
    await kubectlOk('rollout', 'status', 'deployment/web', '--timeout=60s', ...n);
    expect(imageOf(await rest.get(deployments, ns, 'web'))).toBe('img:1');
    const afterUndo = await kubectlOk('rollout', 'history', 'deployment/web', ...n);
    const revisions = afterUndo.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter((x) => /^\d+$/.test(x ?? ''));
    expect(revisions).toEqual(['2', '3']);

    expect(await kubectlOk('rollout', 'pause', 'deployment/web', ...n)).toBe('deployment.apps/web paused\n');
    await kubectlOk('set', 'image', 'deployment/web', '*=img:3', ...n);
    const paused = await eventually(async () => {
      const d = await rest.get(deployments, ns, 'web');
      return condition(d, 'Progressing')?.reason === 'DeploymentPaused' && d.status?.observedGeneration === d.metadata?.generation ? d : undefined;
    });
    expect(condition(paused, 'Progressing')).toMatchObject({ status: 'Unknown', message: 'Deployment is paused' });
    expect((await ownedRSs(ns, paused)).some((rs) => imageOf(rs) === 'img:3')).toBe(false);
    expect((await kubectl('rollout', 'undo', 'deployment/web', ...n)).stderr).toContain('you cannot rollback a paused deployment');
    expect(await kubectlOk('rollout', 'resume', 'deployment/web', ...n)).toBe('deployment.apps/web resumed\n');
    await kubectlOk('rollout', 'status', 'deployment/web', '--timeout=60s', ...n);
    const resumed = await rolledOut(ns, 'web');
    expect((await ownedRSs(ns, resumed)).find((rs) => (rs.spec?.replicas ?? 0) > 0 && imageOf(rs) === 'img:3')).toBeDefined();

    expect(await kubectlOk('rollout', 'restart', 'deployment/web', ...n)).toBe('deployment.apps/web restarted\n');
    await kubectlOk('rollout', 'status', 'deployment/web', '--timeout=60s', ...n);
    const restarted = await rolledOut(ns, 'web');
    const live = (await ownedRSs(ns, restarted)).filter((rs) => (rs.spec?.replicas ?? 0) > 0);
    expect(live).toHaveLength(1);
    expect(live[0]!.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeDefined();
    expect(restarted.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('5');
  });
});
