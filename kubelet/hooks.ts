// Container lifecycle hooks (upstream's pkg/kubelet/lifecycle/handlers.go): postStart runs right
// after a container starts and a failure kills the container; preStop runs before a container is
// stopped, within its grace period. A handler is an exec in the container, an HTTP GET (to the
// pod's address unless httpGet.host says otherwise), or a sleep.
import type { V1Container, V1LifecycleHandler, V1Pod } from '@kubernetes/client-node';
import { execInContainer, httpGet, resolvePort } from './prober/probe.ts';
import type { ContainerRuntime } from './runtime/runtime.ts';
import { KUBELET_VERSION } from './node.ts';

export interface HookTarget {
  runtime: ContainerRuntime;
  containerId: string;
  pod: V1Pod;
  container: V1Container;
  podIP: string | undefined;
  signal: AbortSignal;
  /** preStop gets the grace period; postStart has no limit upstream. */
  timeoutMs?: number;
}

/** upstream's format.Pod: "name_namespace(uid)". */
const podDesc = (pod: V1Pod) => `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(done, ms);
  function done() { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); }
  signal.addEventListener('abort', done, { once: true });
});

/** Runs a handler; resolves with undefined on success, or with upstream's failure message. */
export async function runLifecycleHandler(h: V1LifecycleHandler, t: HookTarget): Promise<string | undefined> {
  const { container, pod } = t;
  if (h.exec) {
    const cmd = h.exec.command ?? [];
    try {
      const r = await execInContainer(t, cmd, t.timeoutMs, t.signal);
      if (r.timedOut) return `Exec lifecycle hook ([${cmd.join(' ')}]) for Container "${container.name}" in Pod "${podDesc(pod)}" failed - error: command '${cmd.join(' ')}' timed out, message: ""`;
      if (r.code === 0) return undefined;
      return `Exec lifecycle hook ([${cmd.join(' ')}]) for Container "${container.name}" in Pod "${podDesc(pod)}" failed - error: command '${cmd.join(' ')}' exited with ${r.code}: ${r.output}, message: ${JSON.stringify(r.output)}`;
    } catch (e) {
      return `Exec lifecycle hook ([${cmd.join(' ')}]) for Container "${container.name}" in Pod "${podDesc(pod)}" failed - error: ${(e as Error)?.message ?? String(e)}, message: ""`;
    }
  }
  if (h.httpGet) {
    const g = h.httpGet;
    try {
      const host = g.host || t.podIP;
      if (!host) throw new Error('failed to find networking container: the pod has no IP address');
      const port = g.port === '' ? 80 : resolvePort(g.port as number | string, container);
      const res = await httpGet({
        scheme: g.scheme, host, port, path: g.path, headers: g.httpHeaders, timeoutMs: t.timeoutMs ?? 10_000,
        userAgent: `kube-lifecycle/${KUBELET_VERSION.replace(/^v/, '').split('.').slice(0, 2).join('.')}`,
      });
      if (res.status >= 200 && res.status < 300) return undefined;
      return `HTTP lifecycle hook (${g.path ?? ''}) for Container "${container.name}" in Pod "${podDesc(pod)}" failed - error: HTTP status code ${res.status}`;
    } catch (e) {
      return `HTTP lifecycle hook (${g.path ?? ''}) for Container "${container.name}" in Pod "${podDesc(pod)}" failed - error: ${(e as Error)?.message ?? String(e)}`;
    }
  }
  if (h.sleep) {
    await sleep(Math.max(0, h.sleep.seconds) * 1000, t.signal);
    return undefined;
  }
  if (h.tcpSocket) return `Cannot run handler: tcpSocket is not a supported lifecycle handler`;
  return 'Cannot run handler: missing handler';
}
