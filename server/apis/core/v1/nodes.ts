// core/v1 Node: cluster-scoped; a kubelet registers it with its status, and the spec changes only
// where upstream allows (podCIDRs and providerID only from unset). Taint checks report under
// `metadata.taints`, as upstream's ValidateNode does.
import { FieldPath } from '../../../../machinery/fieldpath.ts';
import * as field from '../../../../machinery/fieldpath.ts';
import { isValidCIDR, isValidLabelValue, validateLabelName } from '../../../../machinery/validation.ts';
import { defineResource, type FieldError, type KubeObject } from '../../types.ts';
import { age, ageColumn, nameColumn } from '../../common/age.ts';
import { canonicalizeResourceList, validateResourceQuantityValue } from '../../common/intstr.ts';

interface Taint { key?: string; value?: string; effect?: string; timeAdded?: string }
interface NodeSpec { podCIDR?: string; podCIDRs?: string[]; providerID?: string; unschedulable?: boolean; taints?: Taint[] }
interface NodeStatus {
  capacity?: Record<string, string>; allocatable?: Record<string, string>; phase?: string;
  conditions?: Array<{ type: string; status: string }>;
  addresses?: Array<{ type: string; address: string }>;
  nodeInfo?: {
    machineID?: string; systemUUID?: string; bootID?: string; kernelVersion?: string; osImage?: string; containerRuntimeVersion?: string;
    kubeletVersion?: string; kubeProxyVersion?: string; operatingSystem?: string; architecture?: string; [k: string]: unknown;
  };
  daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
}
export type Node = KubeObject & { spec?: NodeSpec; status?: NodeStatus };

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

const NODE_INFO_FIELDS = [
  'machineID', 'systemUUID', 'bootID', 'kernelVersion', 'osImage', 'containerRuntimeVersion', 'kubeletVersion', 'kubeProxyVersion',
  'operatingSystem', 'architecture',
] as const;

/**
 * What upstream writes for a Node's status however little of it was given: daemonEndpoints and
 * nodeInfo are structs (omitempty does not drop them), the kubelet endpoint's `Port` and every
 * NodeSystemInfo string have no omitempty, so a Node created without a status reads back with
 * `Port: 0` and empty strings (as a Node registered by hand, or by kwok before its first heartbeat).
 */
export function defaultNodeStatusStructs(st: NodeStatus): void {
  const endpoints = (st.daemonEndpoints ??= {});
  const kubelet = (endpoints.kubeletEndpoint ??= {});
  kubelet.Port ??= 0;
  const info = (st.nodeInfo ??= {});
  for (const k of NODE_INFO_FIELDS) info[k] ??= '';
}

function validateTaints(taints: Taint[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Map<string, Set<string>>();
  taints.forEach((t, i) => {
    const p = path.index(i);
    errs.push(...validateLabelName(t.key ?? '', p.child('key')));
    const valueErrs = isValidLabelValue(t.value ?? '');
    if (valueErrs.length) errs.push(field.invalid(p.child('value'), t.value ?? '', valueErrs.join(';')));
    if (!t.effect) errs.push(field.required(p.child('effect'), ''));
    else if (!TAINT_EFFECTS.includes(t.effect)) errs.push(field.notSupported(p.child('effect'), t.effect, TAINT_EFFECTS));
    const keys = seen.get(t.effect ?? '') ?? new Set<string>();
    if (keys.has(t.key ?? '')) {
      // Upstream reports the internal Taint struct (Go field names).
      const e = field.duplicate(p, { Key: t.key ?? '', Value: t.value ?? '', Effect: t.effect ?? '', TimeAdded: t.timeAdded ?? null });
      e.detail = 'taints must be unique by key and effect pair';
      errs.push(e);
      return;
    }
    keys.add(t.key ?? '');
    seen.set(t.effect ?? '', keys);
  });
  return errs;
}

function validateResources(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(node.status?.capacity ?? {})) errs.push(...validateResourceQuantityValue(k, v, FieldPath.root('status', 'capacity', k)));
  for (const [k, v] of Object.entries(node.status?.allocatable ?? {})) errs.push(...validateResourceQuantityValue(k, v, FieldPath.root('status', 'allocatable', k)));
  return errs;
}

function validateNode(node: Node): FieldError[] {
  const errs = validateTaints(node.spec?.taints ?? [], FieldPath.root('metadata', 'taints'));
  errs.push(...validateResources(node));
  (node.spec?.podCIDRs ?? []).forEach((c, i) => {
    if (isValidCIDR(c)[0]?.startsWith('must be a valid CIDR value')) errs.push(field.invalid(FieldPath.root('spec', 'podCIDRs').index(i), c, isValidCIDR(c)[0]!));
  });
  return errs;
}

function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  const errs: FieldError[] = [];
  const o = old.spec?.podCIDRs ?? [];
  const n = node.spec?.podCIDRs ?? [];
  if (o.length && (o.length !== n.length || o.some((c, i) => c !== n[i]))) {
    errs.push(field.forbidden(FieldPath.root('spec', 'podCIDRs'), 'node updates may not change podCIDR except from "" to valid'));
  }
  if (old.spec?.providerID && old.spec.providerID !== node.spec?.providerID) {
    errs.push(field.forbidden(FieldPath.root('spec', 'providerID'), 'node updates may not change providerID except from "" to valid'));
  }
  return errs;
}

/** Upstream's printNode STATUS: Ready/NotReady/Unknown, then SchedulingDisabled. */
function nodeStatus(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

/** Roles from `node-role.kubernetes.io/<role>` and `kubernetes.io/role=<role>` labels, sorted. */
function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const r = k.slice('node-role.kubernetes.io/'.length);
      if (r) roles.add(r);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return [...roles].sort().join(',') || '<none>';
}

const addressOf = (node: Node, type: string) => node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';

export const nodes = defineResource<Node>({
  group: '', version: 'v1', kind: 'Node', plural: 'nodes', singular: 'node',
  namespaced: false, shortNames: ['no'], model: 'V1Node',
  fieldSelectors: { 'spec.unschedulable': (n) => String(n.spec?.unschedulable ?? false) },
  strategy: {
    createKeepsStatus: true,
    defaults(node) {
      node.spec ??= {};
      const st = (node.status ??= {});
      canonicalizeResourceList(st.capacity);
      canonicalizeResourceList(st.allocatable);
      // SetDefaults_NodeStatus: allocatable starts as capacity.
      if (!st.allocatable && st.capacity) st.allocatable = { ...st.capacity };
      defaultNodeStatusStructs(st);
    },
    prepareForUpdate(node, old) {
      node.status = structuredClone(old.status ?? {});
    },
    validate: validateNode,
    validateUpdate: validateNodeUpdate,
  },
  // Served by server/streams (a proxy to the node's kubelet); listed here for discovery.
  extraSubresources: [{ name: 'proxy', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }],
  status: {
    prepareForUpdate(node, old) {
      node.spec = structuredClone(old.spec ?? {});
      canonicalizeResourceList(node.status?.capacity);
      canonicalizeResourceList(node.status?.allocatable);
      // A status write is decoded, so defaulted, as any other (the registry runs `defaults` on the main resource only).
      defaultNodeStatusStructs((node.status ??= {}));
    },
    validateUpdate: (node) => validateResources(node),
  },
  table: {
    columns: [
      nameColumn,
      { name: 'Status', type: 'string', description: 'The status of the node' },
      { name: 'Roles', type: 'string', description: 'The roles of the node' },
      ageColumn,
      { name: 'Version', type: 'string', description: 'The kubelet version the node reports.' },
      { name: 'Internal-IP', type: 'string', priority: 1, description: 'The node\'s first internal address.' },
      { name: 'External-IP', type: 'string', priority: 1, description: 'The node\'s first external address.' },
      { name: 'OS-Image', type: 'string', priority: 1, description: 'The OS image the node reports.' },
      { name: 'Kernel-Version', type: 'string', priority: 1, description: 'The kernel version (and architecture) the node reports.' },
      { name: 'Container-Runtime', type: 'string', priority: 1, description: 'The container runtime the node reports.' },
    ],
    row(node, now) {
      const info = node.status?.nodeInfo ?? {};
      let kernel = info.kernelVersion || '<unknown>';
      if (info.architecture) kernel += ` (${info.architecture})`;
      return [
        node.metadata?.name ?? '', nodeStatus(node), nodeRoles(node), age(node, now), info.kubeletVersion ?? '',
        addressOf(node, 'InternalIP'), addressOf(node, 'ExternalIP'), info.osImage || '<unknown>', kernel, info.containerRuntimeVersion || '<unknown>',
      ];
    },
  },
});
