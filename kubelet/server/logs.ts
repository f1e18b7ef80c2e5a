// /containerLogs/<namespace>/<pod>/<container>: which container's log a request means, and the
// options it gives the runtime. Upstream: the kubelet's server.go getContainerLogs and
// kubelet_pods.go validateContainerLogStatus / GetKubeletContainerLogs (messages as there).
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { LogOptions } from '../runtime/runtime.ts';

/** A refusal: the HTTP code and the plain-text body the kubelet answers with. */
export interface LogRefusal { code: number; message: string }

export interface LogRequest extends LogOptions {
  previous: boolean;
}

const isTrue = (v: string | null) => v === 'true' || v === '1';

/**
 * The PodLogOptions of a kubelet request (`tail` is the old spelling of tailLines; "all" means
 * no limit). Values that do not parse or validate are refused as the kubelet refuses them.
 */
export function logRequestOf(q: URLSearchParams, now: number): LogRequest | LogRefusal {
  const num = (name: string): number | undefined | null => {
    const v = q.get(name);
    if (v === null || v === '') return undefined;
    return /^-?\d+$/.test(v) ? Number(v) : null;
  };
  const tailParam = q.get('tail');
  const tailLines = tailParam !== null && tailParam !== '' ? (tailParam === 'all' ? undefined : (/^-?\d+$/.test(tailParam) ? Number(tailParam) : null)) : num('tailLines');
  const limitBytes = num('limitBytes');
  const sinceSeconds = num('sinceSeconds');
  const sinceTimeText = q.get('sinceTime');
  let sinceTime: number | undefined;
  if (sinceTimeText) {
    sinceTime = Date.parse(sinceTimeText);
    if (Number.isNaN(sinceTime)) return { code: 400, message: '{"message": "Unable to decode query."}' };
  }
  if (tailLines === null || limitBytes === null || sinceSeconds === null) return { code: 400, message: '{"message": "Unable to decode query."}' };
  if ((tailLines !== undefined && tailLines < 0) || (limitBytes !== undefined && limitBytes < 1)
    || (sinceSeconds !== undefined && (sinceSeconds < 1 || sinceTime !== undefined))) {
    return { code: 422, message: '{"message": "Invalid request."}' };
  }
  const out: LogRequest = { previous: isTrue(q.get('previous')), follow: isTrue(q.get('follow')), timestamps: isTrue(q.get('timestamps')) };
  if (tailLines !== undefined) out.tailLines = tailLines;
  if (limitBytes !== undefined) out.limitBytes = limitBytes;
  if (sinceSeconds !== undefined) out.sinceTime = now - sinceSeconds * 1000;
  else if (sinceTime !== undefined) out.sinceTime = sinceTime;
  return out;
}

const statusOf = (pod: V1Pod, name: string): V1ContainerStatus | undefined =>
  pod.status?.containerStatuses?.find((s) => s.name === name)
  ?? pod.status?.initContainerStatuses?.find((s) => s.name === name)
  ?? pod.status?.ephemeralContainerStatuses?.find((s) => s.name === name);

/** The runtime's id from "<runtime>://<id>". */
export const runtimeIdOf = (containerID: string): string => containerID.slice(containerID.indexOf('://') + 3);

/**
 * The container whose log to read, from the pod's status: the running one, else the one that
 * last terminated; `previous` asks for the instance before. Upstream's validateContainerLogStatus.
 */
export function logContainerId(pod: V1Pod, container: string, previous: boolean): string | LogRefusal {
  const podName = pod.metadata?.name ?? '';
  const refuse = (message: string): LogRefusal => ({ code: 400, message });
  const inSpec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].some((c) => c.name === container);
  if (!inSpec) return { code: 404, message: `container "${container}" not found in pod "${podName}"` };
  const s = statusOf(pod, container);
  if (!s) return refuse(`container "${container}" in pod "${podName}" is not available`);
  const last = s.lastState?.terminated;
  const { waiting, running, terminated } = s.state ?? {};
  if (previous) {
    if (!last?.containerID) return refuse(`previous terminated container "${container}" in pod "${podName}" not found`);
    return runtimeIdOf(last.containerID);
  }
  if (running) return runtimeIdOf(s.containerID ?? '');
  if (terminated) {
    if (terminated.containerID) return runtimeIdOf(terminated.containerID);
    if (last?.containerID) return runtimeIdOf(last.containerID);
    return refuse(`container "${container}" in pod "${podName}" is terminated`);
  }
  if (last) {
    if (!last.containerID) return refuse(`container "${container}" in pod "${podName}" is terminated`);
    return runtimeIdOf(last.containerID);
  }
  if (waiting) {
    switch (waiting.reason) {
      case 'ErrImagePull': return refuse(`container "${container}" in pod "${podName}" is waiting to start: image can't be pulled`);
      case 'ImagePullBackOff': return refuse(`container "${container}" in pod "${podName}" is waiting to start: trying and failing to pull image`);
      default: return refuse(`container "${container}" in pod "${podName}" is waiting to start: ${waiting.reason ?? ''}`);
    }
  }
  return refuse(`container "${container}" in pod "${podName}" is waiting to start - no logs yet`);
}
