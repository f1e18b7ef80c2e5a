// For controller tests that need pods to come alive without a scheduler or kubelet: every pod
// created in the watched namespace turns Running and Ready (or stays as `decide` says), and a
// pod being deleted is removed at once. Tests only: the real path is scheduler + kubelet.
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { Informer, isConflict, isNotFound, listWatcherFor, RestClient } from '../client/index.ts';
import { pods } from '../client/resources.ts';

export interface PodLifeOptions {
  kubeconfig: KubeConfig;
  namespace: string;
  signal: AbortSignal;
  /** What a new pod becomes; default Running and Ready. */
  decide?(pod: V1Pod): 'ready' | 'running-not-ready' | 'pending' | 'succeeded' | 'failed';
}

let nextIp = 1;

export function runPodLife(o: PodLifeOptions): { rest: RestClient; done: Promise<void> } {
  const rest = new RestClient(o.kubeconfig, { userAgent: 'test-podlife' });
  const informer = new Informer<V1Pod>(listWatcherFor(rest, pods, { namespace: o.namespace }), { name: 'podlife' });
  const handled = new Set<string>();
  const handle = async (pod: V1Pod) => {
    const uid = pod.metadata?.uid ?? '';
    const name = pod.metadata!.name!;
    try {
      if (pod.metadata?.deletionTimestamp) {
        await rest.delete(pods, o.namespace, name, { gracePeriodSeconds: 0, preconditions: { uid } });
        return;
      }
      if (handled.has(uid)) return;
      handled.add(uid);
      const state = o.decide?.(pod) ?? 'ready';
      if (state === 'pending') return;
      const now = new Date();
      const ready = state === 'ready';
      const phase = state === 'succeeded' ? 'Succeeded' : state === 'failed' ? 'Failed' : 'Running';
      const ip = `10.250.${(nextIp >> 8) & 255}.${nextIp & 255}`;
      nextIp++;
      const cond = (type: string, status: boolean) => ({ type, status: status ? 'True' : 'False', lastTransitionTime: now });
      const status = {
        phase, podIP: ip, podIPs: [{ ip }], hostIP: '10.0.0.1', startTime: now,
        conditions: [cond('PodScheduled', true), cond('Initialized', true), cond('ContainersReady', ready), cond('Ready', ready)],
        containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
          name: c.name, image: c.image ?? '', imageID: '', ready, restartCount: 0, started: phase === 'Running',
          state: phase === 'Running' ? { running: { startedAt: now } } : { terminated: { exitCode: phase === 'Succeeded' ? 0 : 1, reason: phase === 'Succeeded' ? 'Completed' : 'Error', startedAt: now, finishedAt: now } },
        })),
      };
      await rest.patch(pods, o.namespace, name, { status }, { type: 'merge', subresource: 'status' });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e) && !o.signal.aborted) throw e;
    }
  };
  const onError = (e: unknown) => { if (!o.signal.aborted) process.stderr.write(`podlife: ${String(e)}\n`); };
  informer.addEventHandler({
    onAdd: (p) => { handle(p).catch(onError); },
    onUpdate: (_old, p) => { handle(p).catch(onError); },
  });
  const done = informer.run(o.signal).finally(() => rest.close());
  return { rest, done };
}
