// What the streaming subresources share: the pod, its container by upstream's rules, and query
// values decoded as upstream's parameter codec decodes them.
import * as errors from '../../machinery/errors.ts';
import type { KubeObject } from '../apis/types.ts';
import type { GenericRegistry } from '../registry/generic.ts';

export type Pod = KubeObject & {
  spec?: {
    nodeName?: string;
    containers?: Array<{ name?: string }>;
    initContainers?: Array<{ name?: string }>;
    ephemeralContainers?: Array<{ name?: string }>;
  };
};

export async function podOf(pods: GenericRegistry, namespace: string, name: string): Promise<Pod> {
  return (await pods.get(namespace, name)) as Pod;
}

/** Every container name, init containers first, as upstream's VisitContainers walks them. */
function containerNames(pod: Pod): string[] {
  const s = pod.spec ?? {};
  return [...(s.initContainers ?? []), ...(s.containers ?? []), ...(s.ephemeralContainers ?? [])].map((c) => c.name ?? '');
}

/**
 * Upstream's validateContainer: an empty name means the only container; a pod with several asks
 * for one (`choose one of: [a b]`, Go's formatting of a string slice); a name must be the pod's.
 */
export function validateContainer(container: string | undefined, pod: Pod): string {
  const name = pod.metadata?.name ?? '';
  if (!container) {
    const containers = pod.spec?.containers ?? [];
    if (containers.length === 1) return containers[0]!.name ?? '';
    if (containers.length === 0) throw errors.badRequest(`a container name must be specified for pod ${name}`);
    throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${containerNames(pod).join(' ')}]`);
  }
  if (!containerNames(pod).includes(container)) throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

/** Go's strconv.ParseBool, as query booleans decode; absent is false. */
export function parseBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === '') return false;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw errors.badRequest(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

/** Go's strconv.ParseInt for an int64 query value; absent is undefined. */
export function parseInt64(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}
