// The Node a kubelet registers and the status it keeps reporting, as pure functions of the node's
// configuration, what the runtime says and the time (upstream's kubelet_node_status.go initialNode
// and the setters of pkg/kubelet/nodestatus: addresses, machine info, version info, daemon
// endpoints, images, and the MemoryPressure / DiskPressure / PIDPressure / Ready conditions).
import type { V1Node, V1NodeCondition, V1NodeStatus } from '@kubernetes/client-node';
import { canonical, toTime, wireOf } from './status.ts';
import type { RuntimeImage } from './runtime/runtime.ts';
import { KUBERNETES_VERSION_STRING } from '../machinery/version.ts';

/** The version this kubelet reports: the cluster's (machinery/version.ts). */
export const KUBELET_VERSION = KUBERNETES_VERSION_STRING;

/** The label simulated nodes carry, so that nobody mistakes them for nodes that run containers. */
export const SIMULATED_NODE_LABEL = 'node.capstan.dev/simulated';

/** Upstream's kubelet port, reported as status.daemonEndpoints.kubeletEndpoint. */
export const KUBELET_PORT = 10250;

/** Upstream's nodeStatusMaxImages. */
const MAX_IMAGES = 50;
/** Upstream's MaxNamesPerImageInNodeStatus. */
const MAX_NAMES_PER_IMAGE = 5;

export interface NodeConfig {
  nodeName: string;
  /** Resource name → quantity: cpu, memory, pods, ephemeral-storage (and hugepages-*). */
  capacity: Record<string, string>;
  /** Capacity minus reservations; default: the capacity. */
  allocatable?: Record<string, string>;
  nodeIP: string;
  /** The kubernetes.io/hostname label and the Hostname address. */
  hostname: string;
  /** GOARCH spelling: amd64, arm64. */
  arch: string;
  kernelVersion: string;
  osImage: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
  labels?: Record<string, string>;
  simulated?: boolean;
  /** Where the kubelet's API listens (status.daemonEndpoints); default KUBELET_PORT. */
  kubeletPort?: number;
}

/** Node's GOARCH from Node's process.arch. */
export function goArch(arch: string = process.arch): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[arch] ?? arch;
}

/** The labels every kubelet sets on its node (upstream's initialNode and updateDefaultLabels). */
export function defaultLabels(cfg: NodeConfig): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': cfg.arch,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': cfg.arch,
    'kubernetes.io/hostname': cfg.hostname,
    'kubernetes.io/os': 'linux',
    ...(cfg.simulated ? { [SIMULATED_NODE_LABEL]: 'true' } : {}),
  };
}

/** The Node to create, status included (the node strategy keeps status on create). */
export function initialNode(cfg: NodeConfig, status: V1NodeStatus, podCIDR: string | undefined): V1Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name: cfg.nodeName,
      labels: { ...defaultLabels(cfg), ...cfg.labels },
      // Upstream's kubelet leaves attach/detach to the controller manager by default.
      annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
    status,
  };
}

export interface NodeStatusInput {
  cfg: NodeConfig;
  /** The status last reported (conditions keep their transition times). */
  previous: V1NodeStatus | undefined;
  runtimeVersion: string;
  runtimeReady: boolean;
  runtimeMessage?: string;
  images: RuntimeImage[];
  now: number;
}

/** One pressure condition (the eviction manager's view: never under pressure here). */
function pressure(type: string, reason: string, message: string, prev: V1NodeCondition | undefined, now: Date): V1NodeCondition {
  const transition = prev && prev.status === 'False' && prev.lastTransitionTime ? new Date(prev.lastTransitionTime) : now;
  return { type, status: 'False', reason, message, lastHeartbeatTime: now, lastTransitionTime: transition };
}

export function computeNodeStatus(input: NodeStatusInput): V1NodeStatus {
  const { cfg, previous } = input;
  const now = toTime(input.now);
  const prev = (type: string) => previous?.conditions?.find((c) => c.type === type);
  const readyPrev = prev('Ready');
  const ready: V1NodeCondition = input.runtimeReady
    ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }
    : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: input.runtimeMessage ?? 'container runtime is down', lastHeartbeatTime: now, lastTransitionTime: now };
  if (readyPrev && readyPrev.status === ready.status && readyPrev.lastTransitionTime) ready.lastTransitionTime = new Date(readyPrev.lastTransitionTime);
  const images = input.images.slice(0, MAX_IMAGES).map((i) => ({ names: i.names.slice(0, MAX_NAMES_PER_IMAGE), sizeBytes: i.sizeBytes }));
  return {
    capacity: { ...cfg.capacity },
    allocatable: { ...(cfg.allocatable ?? cfg.capacity) },
    // Upstream appends Ready last (an old skew fix keeps it there).
    conditions: [
      pressure('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', prev('MemoryPressure'), now),
      pressure('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', prev('DiskPressure'), now),
      pressure('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', prev('PIDPressure'), now),
      ready,
    ],
    addresses: [{ type: 'InternalIP', address: cfg.nodeIP }, { type: 'Hostname', address: cfg.hostname }],
    daemonEndpoints: { kubeletEndpoint: { Port: cfg.kubeletPort ?? KUBELET_PORT } },
    nodeInfo: {
      machineID: cfg.machineID, systemUUID: cfg.systemUUID, bootID: cfg.bootID,
      kernelVersion: cfg.kernelVersion, osImage: cfg.osImage,
      containerRuntimeVersion: input.runtimeVersion,
      kubeletVersion: KUBELET_VERSION, kubeProxyVersion: '',
      operatingSystem: 'linux', architecture: cfg.arch,
    },
    images,
  };
}

/**
 * Upstream's nodeStatusHasChanged: any difference but the conditions' heartbeat times. A status
 * that has not changed is still reported once the report interval has passed.
 */
export function nodeStatusChanged(prev: V1NodeStatus | undefined, next: V1NodeStatus): boolean {
  if (!prev) return true;
  const strip = (s: V1NodeStatus) => {
    const w = wireOf(s, 'V1NodeStatus') as { conditions?: Array<Record<string, unknown>> };
    return canonical({ ...w, conditions: (w.conditions ?? []).map(({ lastHeartbeatTime: _h, ...rest }) => rest) });
  };
  return strip(prev) !== strip(next);
}

/** Whether the API's copy disagrees with what the kubelet reports in a way that matters (someone else changed a condition). */
export function conditionsDiffer(api: V1NodeStatus | undefined, ours: V1NodeStatus): boolean {
  const key = (s: V1NodeStatus | undefined) => (s?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason ?? ''}`).sort().join(',');
  return key(api) !== key(ours);
}
