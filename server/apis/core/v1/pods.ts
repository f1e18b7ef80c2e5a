// core/v1 Pod, first form: upstream defaults, the basic validation and the kubectl columns.
// Binding, eviction, log, exec, attach and port-forward join with the scheduler and kubelet.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { isDNS1123Label } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn, since } from '../../common/age.ts';

export interface Container {
  name?: string; image?: string; imagePullPolicy?: string; terminationMessagePath?: string; terminationMessagePolicy?: string;
  resources?: object; ports?: Array<{ containerPort?: number; protocol?: string }>;
}
interface ContainerStatus {
  name: string; ready?: boolean; restartCount?: number;
  state?: { waiting?: { reason?: string }; terminated?: { reason?: string; exitCode?: number; signal?: number }; running?: object };
  lastState?: { terminated?: { finishedAt?: string } };
}
export interface PodSpec {
  containers?: Container[]; initContainers?: Container[]; restartPolicy?: string; dnsPolicy?: string; schedulerName?: string;
  terminationGracePeriodSeconds?: number; securityContext?: object; nodeName?: string; serviceAccountName?: string;
  hostNetwork?: boolean; enableServiceLinks?: boolean; priority?: number; preemptionPolicy?: string; readinessGates?: Array<{ conditionType: string }>;
  activeDeadlineSeconds?: number; nodeSelector?: Record<string, string>;
}
export type Pod = KubeObject & {
  spec?: PodSpec;
  status?: {
    phase?: string; reason?: string; podIP?: string; nominatedNodeName?: string; qosClass?: string;
    containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[];
    conditions?: Array<{ type: string; status: string }>;
  };
};

export function defaultContainer(c: Container): void {
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  if (!c.imagePullPolicy) {
    const image = c.image ?? '';
    const tag = image.includes('@') ? 'digest' : /:[^/]+$/.exec(image)?.[0].slice(1) ?? 'latest';
    c.imagePullPolicy = tag === 'latest' ? 'Always' : 'IfNotPresent';
  }
  if (!c.resources) c.resources = {};
  for (const p of c.ports ?? []) if (!p.protocol) p.protocol = 'TCP';
}

/** Upstream's SetDefaults_PodSpec plus container defaults: what pod templates get as well as pods. */
export function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
}

/** The pod spec checks shared by pods and pod templates, with paths under `path` (e.g. `spec.template.spec`). */
export function validatePodSpec(spec: PodSpec | undefined, path: FieldPath): FieldError[] {
  const names = new Set<string>();
  const errs = validateContainers(spec?.containers, path.child('containers'), true, names);
  errs.push(...validateContainers(spec?.initContainers, path.child('initContainers'), false, names));
  const rp = spec?.restartPolicy;
  if (rp && !['Always', 'OnFailure', 'Never'].includes(rp)) errs.push(field.notSupported(path.child('restartPolicy'), rp, ['Always', 'Never', 'OnFailure']));
  return errs;
}

function validateContainers(list: Container[] | undefined, path: FieldPath, required: boolean, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  if (required && (!list || list.length === 0)) errs.push(field.required(path, ''));
  (list ?? []).forEach((c, i) => {
    const p = path.index(i);
    if (!c.name) errs.push(field.required(p.child('name'), ''));
    else {
      for (const msg of isDNS1123Label(c.name)) errs.push(field.invalid(p.child('name'), c.name, msg));
      if (names.has(c.name)) errs.push(field.duplicate(p.child('name'), c.name));
      names.add(c.name);
    }
    if (!c.image || !String(c.image).trim()) errs.push(field.required(p.child('image'), ''));
  });
  return errs;
}

/** What `kubectl get pods` shows in STATUS (upstream's printPod, simplified for a first form). */
function podStatus(pod: Pod): string {
  let reason = pod.status?.reason || pod.status?.phase || 'Pending';
  for (const cs of pod.status?.containerStatuses ?? []) {
    if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
    else if (cs.state?.terminated?.reason) reason = cs.state.terminated.reason;
  }
  if (pod.metadata?.deletionTimestamp) reason = 'Terminating';
  return reason;
}

export const pods = defineResource<Pod>({
  group: '', version: 'v1', kind: 'Pod', plural: 'pods', singular: 'pod',
  namespaced: true, shortNames: ['po'], returnDeletedObject: true, categories: ['all'], model: 'V1Pod',
  fieldSelectors: {
    'spec.nodeName': (p) => p.spec?.nodeName,
    'spec.restartPolicy': (p) => p.spec?.restartPolicy,
    'spec.schedulerName': (p) => p.spec?.schedulerName,
    'spec.serviceAccountName': (p) => p.spec?.serviceAccountName,
    'spec.hostNetwork': (p) => String(p.spec?.hostNetwork ?? false),
    'status.phase': (p) => p.status?.phase,
    'status.podIP': (p) => p.status?.podIP,
    'status.nominatedNodeName': (p) => p.status?.nominatedNodeName,
  },
  strategy: {
    defaults(pod) {
      const spec = (pod.spec ??= {});
      defaultPodSpec(spec);
      spec.enableServiceLinks ??= true;
      spec.preemptionPolicy ??= 'PreemptLowerPriority';
      spec.priority ??= 0;
    },
    prepareForCreate(pod) {
      pod.status = { phase: 'Pending', qosClass: 'BestEffort' };
    },
    validate(pod) {
      return validatePodSpec(pod.spec, FieldPath.root('spec'));
    },
  },
  status: {},
  table: {
    columns: [
      nameColumn,
      { name: 'Ready', type: 'string', description: 'Ready containers out of all containers.' },
      { name: 'Status', type: 'string', description: 'The aggregate state of the pod.' },
      { name: 'Restarts', type: 'string', description: 'Container restarts, with the time of the last one.' },
      ageColumn,
      { name: 'IP', type: 'string', priority: 1, description: 'The pod IP.' },
      { name: 'Node', type: 'string', priority: 1, description: 'The node the pod is bound to.' },
      { name: 'Nominated Node', type: 'string', priority: 1, description: 'The node preemption nominated for the pod.' },
      { name: 'Readiness Gates', type: 'string', priority: 1, description: 'Readiness gates met out of all gates.' },
    ],
    row(pod, now) {
      const statuses = pod.status?.containerStatuses ?? [];
      const total = pod.spec?.containers?.length ?? 0;
      const ready = statuses.filter((s) => s.ready).length;
      let restarts = 0;
      let lastRestart: string | undefined;
      for (const s of statuses) {
        restarts += s.restartCount ?? 0;
        const t = s.lastState?.terminated?.finishedAt;
        if (t && (!lastRestart || t > lastRestart)) lastRestart = t;
      }
      const gates = pod.spec?.readinessGates ?? [];
      const gatesMet = gates.filter((g) => pod.status?.conditions?.some((c) => c.type === g.conditionType && c.status === 'True')).length;
      return [
        pod.metadata?.name ?? '', `${ready}/${total}`, podStatus(pod),
        restarts > 0 && lastRestart ? `${restarts} (${since(lastRestart, now)} ago)` : String(restarts),
        age(pod, now), pod.status?.podIP || '<none>', pod.spec?.nodeName || '<none>', pod.status?.nominatedNodeName || '<none>',
        gates.length ? `${gatesMet}/${gates.length}` : '<none>',
      ];
    },
  },
});
