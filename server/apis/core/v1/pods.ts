// core/v1 Pod: upstream's defaults and validation, the update rules, graceful deletion, the
// built-in pod admission (podadmission.ts), the binding and eviction subresources
// (podbinding.ts, podeviction.ts) and the kubectl columns. Log, exec, attach and port-forward
// join with the kubelet.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { isDNS1123Label, isQualifiedName, isValidLabelValue, validateLabelName } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn, since } from '../../common/age.ts';
import { admitPod } from './podadmission.ts';
import { bindingSubresource } from './podbinding.ts';
import { evictionSubresource } from './podeviction.ts';
import { computePodQOS } from './podqos.ts';
import { canonicalizeRequirements, defaultContainer, defaultVolume } from './poddefaults.ts';
import { canonicalizeResourceList } from '../../common/intstr.ts';
import { validatePodStatusUpdate, validatePodUpdate } from './podupdate.ts';

export interface Container {
  name?: string; image?: string; imagePullPolicy?: string; terminationMessagePath?: string; terminationMessagePolicy?: string;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number>; [k: string]: unknown };
  ports?: Array<{ containerPort?: number; hostPort?: number; protocol?: string }>;
}
interface ContainerStatus {
  name: string; ready?: boolean; restartCount?: number;
  state?: { waiting?: { reason?: string }; terminated?: { reason?: string; exitCode?: number; signal?: number }; running?: object };
  lastState?: { terminated?: { finishedAt?: string } };
}
export interface Toleration { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }
export interface PodCondition {
  type: string; status: string; lastProbeTime?: string | null; lastTransitionTime?: string | null; reason?: string; message?: string;
}
export interface PodSpec {
  containers?: Container[]; initContainers?: Container[]; restartPolicy?: string; dnsPolicy?: string; schedulerName?: string;
  terminationGracePeriodSeconds?: number; securityContext?: object; nodeName?: string; serviceAccountName?: string; serviceAccount?: string;
  hostNetwork?: boolean; enableServiceLinks?: boolean; priority?: number; priorityClassName?: string; preemptionPolicy?: string;
  readinessGates?: Array<{ conditionType: string }>; activeDeadlineSeconds?: number | null; nodeSelector?: Record<string, string>;
  tolerations?: Toleration[]; schedulingGates?: Array<{ name: string }>;
  ephemeralContainers?: Container[]; volumes?: Array<Record<string, unknown>>;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> }; overhead?: Record<string, unknown>;
}
export type Pod = KubeObject & {
  spec?: PodSpec;
  status?: {
    phase?: string; reason?: string; podIP?: string; podIPs?: Array<{ ip?: string }>; nominatedNodeName?: string; qosClass?: string;
    containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[];
    conditions?: PodCondition[];
  };
};

/** Upstream's SetDefaults_PodSpec plus container and volume defaults (poddefaults.ts): what pod templates get as well as pods. */
export function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  // v1's deprecated serviceAccount is an alias: a spec naming only it runs as that account, and
  // the v1 form always writes the name under both fields (upstream's PodSpec conversions).
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  else delete spec.serviceAccount;
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c);
  for (const v of spec.volumes ?? []) defaultVolume(v);
  // Pod-level resources and the RuntimeClass overhead are resource lists too.
  canonicalizeRequirements(spec.resources);
  canonicalizeResourceList(spec.overhead);
}

/**
 * Upstream's SetDefaults_Pod, beyond the pod spec defaults pod templates share: a container
 * that sets limits but not requests requests its limits; hostNetwork ports default their
 * hostPort to the containerPort.
 */
export function defaultPod(pod: Pod): void {
  const spec = (pod.spec ??= {});
  defaultPodSpec(spec);
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const limits = c.resources?.limits;
    if (!limits) continue;
    const requests = (c.resources!.requests ??= {});
    for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
  }
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork) {
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      for (const p of c.ports ?? []) if (!p.hostPort) p.hostPort = p.containerPort;
    }
  }
}

function withDefaults(pod: Pod): Pod {
  const copy = structuredClone(pod);
  defaultPod(copy);
  return copy;
}

const MAX_INT32 = 2147483647;
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Upstream's ValidateTolerations. */
export function validateTolerations(tolerations: Toleration[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const p = path.index(i);
    if (t.key) errs.push(...validateLabelName(t.key, p.child('key')));
    if (!t.key && t.operator !== 'Exists') {
      errs.push(field.invalid(p.child('operator'), t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      errs.push(field.invalid(p.child('effect'), t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (t.operator ?? '') {
      case 'Equal': case '': {
        const msgs = isValidLabelValue(t.value ?? '');
        if (msgs.length) errs.push(field.invalid(p.child('operator'), t.value ?? '', msgs.join(';')));
        break;
      }
      case 'Exists':
        if (t.value) errs.push(field.invalid(p.child('operator'), t, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(field.notSupported(p.child('operator'), t.operator, ['Equal', 'Exists']));
    }
    if (t.effect && !TAINT_EFFECTS.includes(t.effect)) errs.push(field.notSupported(p.child('effect'), t.effect, TAINT_EFFECTS));
  });
  return errs;
}

/** The pod spec checks shared by pods and pod templates, with paths under `path` (e.g. `spec.template.spec`). */
export function validatePodSpec(spec: PodSpec | undefined, path: FieldPath): FieldError[] {
  const names = new Set<string>();
  const errs = validateContainers(spec?.containers, path.child('containers'), true, names);
  errs.push(...validateContainers(spec?.initContainers, path.child('initContainers'), false, names));
  const rp = spec?.restartPolicy;
  if (rp && !['Always', 'OnFailure', 'Never'].includes(rp)) errs.push(field.notSupported(path.child('restartPolicy'), rp, ['Always', 'Never', 'OnFailure']));
  const ads = spec?.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null && (ads < 1 || ads > MAX_INT32)) {
    errs.push(field.invalid(path.child('activeDeadlineSeconds'), ads, `must be between 1 and ${MAX_INT32}, inclusive`));
  }
  errs.push(...validateTolerations(spec?.tolerations, path.child('tolerations')));
  const gates = new Set<string>();
  (spec?.schedulingGates ?? []).forEach((g, i) => {
    const p = path.child('schedulingGates').index(i);
    for (const msg of isQualifiedName(g.name ?? '')) errs.push(field.invalid(p, g.name ?? '', msg));
    if (gates.has(g.name)) errs.push(field.duplicate(p, g.name));
    gates.add(g.name);
  });
  return errs;
}

/** A pod's own checks: its spec, and that a pod held by scheduling gates is not yet bound (upstream's ValidatePodCreate adds the latter). */
function validatePod(pod: Pod): FieldError[] {
  const errs = validatePodSpec(pod.spec, FieldPath.root('spec'));
  if ((pod.spec?.schedulingGates ?? []).length && pod.spec?.nodeName) {
    errs.push(field.forbidden(FieldPath.root('spec', 'nodeName'), 'cannot be set until all schedulingGates have been cleared'));
  }
  return errs;
}

/** Upstream's pod strategy CheckGracefulDelete: the request's grace, else the pod's; unbound or finished pods go at once. */
export function podGracePeriod(pod: Pod, requested: number | undefined): number {
  let period = requested ?? pod.spec?.terminationGracePeriodSeconds ?? 0;
  if (!pod.spec?.nodeName) period = 0;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') period = 0;
  return period < 0 ? 1 : period;
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
    defaults: defaultPod,
    prepareForCreate(pod) {
      pod.status = { phase: 'Pending', qosClass: computePodQOS(pod) };
      // A gated pod says why it is not scheduled (upstream's applySchedulingGatedCondition).
      if ((pod.spec?.schedulingGates ?? []).length) {
        pod.status.conditions = [{
          type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: null,
          reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates',
        }];
      }
    },
    validate: validatePod,
    // Upstream defaults what it reads from storage too: a pod stored before a default existed
    // compares as if it had it, so the default does not count as a change of the spec.
    validateUpdate: (pod, old) => validatePodUpdate(pod, withDefaults(old)),
    gracefulDelete: podGracePeriod,
  },
  admit: admitPod,
  status: {
    prepareForUpdate(pod, old) {
      // The QoS class is the API server's; a status write that drops it keeps the old one.
      if (pod.status && !pod.status.qosClass && old.status?.qosClass) pod.status.qosClass = old.status.qosClass;
      // A PodCondition's two times are metav1.Time structs: a zero one is written null, never left out.
      for (const c of pod.status?.conditions ?? []) {
        if (c.lastProbeTime === undefined) c.lastProbeTime = null;
        if (c.lastTransitionTime === undefined) c.lastTransitionTime = null;
      }
    },
    validateUpdate: validatePodStatusUpdate,
  },
  extraSubresources: [
    bindingSubresource, evictionSubresource,
    // Served through the node's kubelet by server/streams; listed here for discovery.
    { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
    { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'log', kind: 'Pod', verbs: ['get'] },
    { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
    // Served by server/streams (proxy.ts): any request to the pod's IP.
    { name: 'proxy', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
  ],
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
