// Fixtures for the kubelet's unit tests: pods and runtime state built in a line each.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { RuntimeContainer, RuntimePod, Sandbox } from './runtime/runtime.ts';

export const POD_UID = 'uid-1';

export function makePod(o: {
  name?: string; containers?: Array<string | V1Container>; init?: string[]; restartPolicy?: string;
  deleting?: boolean; phase?: string; readinessGates?: string[]; conditions?: Array<{ type: string; status: string }>;
} = {}): V1Pod {
  const c = (x: string | V1Container): V1Container => (typeof x === 'string' ? { name: x, image: 'busybox' } : x);
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name: o.name ?? 'web', namespace: 'default', uid: POD_UID,
      ...(o.deleting ? { deletionTimestamp: new Date(), deletionGracePeriodSeconds: 30 } : {}),
    },
    spec: {
      nodeName: 'n1', restartPolicy: o.restartPolicy ?? 'Always',
      containers: (o.containers ?? ['app']).map(c),
      ...(o.init ? { initContainers: o.init.map(c) } : {}),
      ...(o.readinessGates ? { readinessGates: o.readinessGates.map((conditionType) => ({ conditionType })) } : {}),
    },
    status: { phase: o.phase ?? 'Pending', ...(o.conditions ? { conditions: o.conditions } : {}) },
  };
}

let seq = 0;

export function sandbox(o: Partial<Sandbox> = {}): Sandbox {
  return {
    id: 'sb1', podUid: POD_UID, podName: 'web', podNamespace: 'default', attempt: 0, state: 'ready', createdAt: 1_000,
    ips: ['10.244.0.2'], hostNetwork: false, ...o,
  };
}

/** A container of the pod: running by default; `exited: N` makes it exited with code N. */
export function container(name: string, o: Partial<RuntimeContainer> & { exited?: number } = {}): RuntimeContainer {
  const { exited, ...rest } = o;
  const base: RuntimeContainer = {
    id: `c${++seq}`, sandboxId: 'sb1', podUid: POD_UID, name, attempt: 0, image: 'busybox', imageRef: 'sha256:abc',
    state: 'running', createdAt: 1_000, startedAt: 1_000,
  };
  if (exited !== undefined) Object.assign(base, { state: 'exited', exitCode: exited, finishedAt: 2_000, reason: exited === 0 ? 'Completed' : 'Error' });
  return { ...base, ...rest };
}

export function runtimePod(containers: RuntimeContainer[], sandboxes: Sandbox[] = [sandbox()]): RuntimePod {
  return { uid: POD_UID, name: 'web', namespace: 'default', sandboxes, containers };
}
