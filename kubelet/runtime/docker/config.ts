// Pure translations from the pod spec to Docker's terms, as upstream's dockershim and
// kuberuntime made them: names and labels, CPU shares / quota and memory from resources, the
// OOM score by QoS class, the security context, port bindings, the kubelet-managed /etc/hosts
// and resolv.conf, image references, IPv4 ranges, and container states and exit reasons.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { parseQuantity } from '../../../machinery/quantity.ts';
import type { ContainerState, SandboxConfig } from '../runtime.ts';

// Labels. The io.kubernetes.* ones are those dockershim put on containers (CRI annotations it
// kept as labels prefixed "annotation."); dev.capstan.* ones are ours.
export const LABEL_TYPE = 'io.kubernetes.docker.type';
export const TYPE_SANDBOX = 'podsandbox';
export const TYPE_CONTAINER = 'container';
export const LABEL_SANDBOX_ID = 'io.kubernetes.sandbox.id';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const LABEL_RESTART_COUNT = 'annotation.io.kubernetes.container.restartCount';
export const LABEL_TERMINATION_PATH = 'annotation.io.kubernetes.container.terminationMessagePath';
export const LABEL_TERMINATION_POLICY = 'annotation.io.kubernetes.container.terminationMessagePolicy';
/** Which kubelet owns the container: several nodes (and clusters) may share one engine. */
export const LABEL_OWNER = 'dev.capstan.kubelet';
/** CRI metadata.attempt, of sandboxes and containers alike. */
export const LABEL_ATTEMPT = 'dev.capstan.attempt';
export const LABEL_POD_IP = 'dev.capstan.pod-ip';
export const LABEL_HOST_NETWORK = 'dev.capstan.host-network';
/** The host file bound at terminationMessagePath. */
export const LABEL_TERMINATION_FILE = 'dev.capstan.termination-message-file';
/** Networks Capstan made. */
export const LABEL_NETWORK = 'dev.capstan.network';

/** dockershim's infra container name ("POD", leaky.PodInfraContainerName). */
export const SANDBOX_CONTAINER_NAME = 'POD';

/** Docker names, as dockershim made them: k8s_POD_<pod>_<ns>_<uid>_<attempt>. */
export function sandboxName(pod: { name: string; namespace: string; uid: string }, attempt: number): string {
  return ['k8s', SANDBOX_CONTAINER_NAME, pod.name, pod.namespace, pod.uid, String(attempt)].join('_');
}

/** k8s_<container>_<pod>_<ns>_<uid>_<attempt>. */
export function containerName(container: string, pod: { name: string; namespace: string; uid: string }, attempt: number): string {
  return ['k8s', container, pod.name, pod.namespace, pod.uid, String(attempt)].join('_');
}

// CPU, as pkg/kubelet/cm/helpers_linux.go.
export const MIN_SHARES = 2;
export const MAX_SHARES = 262_144;
const SHARES_PER_CPU = 1024;
export const QUOTA_PERIOD = 100_000;
const MIN_QUOTA = 1000;

/** MilliCPUToShares: a request of 0 (or none) is the minimum, 2. */
export function milliCPUToShares(milliCPU: number): number {
  if (milliCPU <= 0) return MIN_SHARES;
  const shares = Math.floor((milliCPU * SHARES_PER_CPU) / 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

/** MilliCPUToQuota: 0 means no limit; otherwise at least 1 ms per period. */
export function milliCPUToQuota(milliCPU: number, period = QUOTA_PERIOD): number {
  if (milliCPU <= 0) return 0;
  return Math.max(MIN_QUOTA, Math.floor((milliCPU * period) / 1000));
}

const quantityOf = (v: unknown): ReturnType<typeof parseQuantity> | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  try { return parseQuantity(String(v)); } catch { return undefined; }
};

export interface LinuxResources {
  cpuShares: number;
  /** 0: no CPU limit. */
  cpuQuota: number;
  cpuPeriod: number;
  /** Bytes; 0: no memory limit. */
  memory: number;
}

/**
 * kuberuntime's calculateLinuxResources: the CPU request gives the shares (the limit when there is
 * no request), the CPU limit the CFS quota over a 100 ms period, the memory limit the cgroup limit.
 */
export function linuxResources(c: V1Container): LinuxResources {
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  const cpuReq = quantityOf(req.cpu);
  const cpuLim = quantityOf(lim.cpu);
  const memLim = quantityOf(lim.memory);
  const shares = cpuReq ? milliCPUToShares(cpuReq.milliValue()) : cpuLim ? milliCPUToShares(cpuLim.milliValue()) : MIN_SHARES;
  const quota = cpuLim ? milliCPUToQuota(cpuLim.milliValue()) : 0;
  return { cpuShares: shares, cpuQuota: quota, cpuPeriod: quota > 0 ? QUOTA_PERIOD : 0, memory: memLim ? Math.max(0, memLim.value()) : 0 };
}

/** qos.PodInfraOOMAdj: the sandbox is the last thing the OOM killer should take. */
export const SANDBOX_OOM_SCORE_ADJ = -998;
const GUARANTEED_OOM_SCORE_ADJ = -997;
const BEST_EFFORT_OOM_SCORE_ADJ = 1000;

/**
 * qos.GetContainerOOMScoreAdjust: Guaranteed -997, BestEffort 1000, Burstable by the share of the
 * node's memory the container requests, kept within 3..999.
 */
export function oomScoreAdjust(pod: V1Pod, c: V1Container, memoryCapacity: number): number {
  const qos = pod.status?.qosClass;
  if (qos === 'Guaranteed') return GUARANTEED_OOM_SCORE_ADJ;
  if (qos === 'BestEffort') return BEST_EFFORT_OOM_SCORE_ADJ;
  const request = quantityOf(c.resources?.requests?.memory)?.value() ?? 0;
  let adj = memoryCapacity > 0 ? 1000 - Math.floor((1000 * request) / memoryCapacity) : 1000;
  if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ) adj = 1000 + GUARANTEED_OOM_SCORE_ADJ;
  if (adj >= BEST_EFFORT_OOM_SCORE_ADJ) adj = BEST_EFFORT_OOM_SCORE_ADJ - 1;
  return adj;
}

export interface DockerSecurity {
  /** Config.User: "uid" or "uid:gid"; undefined keeps the image's. */
  user?: string;
  privileged: boolean;
  readonlyRootfs: boolean;
  capAdd: string[];
  capDrop: string[];
  groupAdd: string[];
  securityOpt: string[];
  runAsNonRoot: boolean;
}

/**
 * The container's effective security context (its own fields over the pod's), in Docker's terms,
 * as dockershim's modifyContainerConfig / modifyHostConfig applied it. Seccomp: Unconfined unless
 * the pod or container asks for RuntimeDefault (upstream's default without SeccompDefault).
 */
export function dockerSecurity(pod: V1Pod, c: V1Container): DockerSecurity {
  const psc = pod.spec?.securityContext ?? {};
  const csc = c.securityContext ?? {};
  const uid = csc.runAsUser ?? psc.runAsUser;
  const gid = csc.runAsGroup ?? psc.runAsGroup;
  let user: string | undefined;
  if (uid !== undefined && uid !== null) user = gid !== undefined && gid !== null ? `${uid}:${gid}` : String(uid);
  const groups = [...(psc.supplementalGroups ?? [])];
  // The fsGroup is one of the supplemental groups, as upstream adds it.
  if (psc.fsGroup !== undefined && psc.fsGroup !== null) groups.push(psc.fsGroup);
  const securityOpt: string[] = [];
  const seccomp = csc.seccompProfile ?? psc.seccompProfile;
  if (seccomp?.type === 'Localhost') throw new Error(`localhost seccomp profiles are not supported (container ${c.name})`);
  if (seccomp?.type !== 'RuntimeDefault') securityOpt.push('seccomp=unconfined');
  if (csc.allowPrivilegeEscalation === false) securityOpt.push('no-new-privileges');
  return {
    ...(user !== undefined ? { user } : {}),
    privileged: csc.privileged ?? false,
    readonlyRootfs: csc.readOnlyRootFilesystem ?? false,
    capAdd: [...(csc.capabilities?.add ?? [])],
    capDrop: [...(csc.capabilities?.drop ?? [])],
    groupAdd: [...new Set(groups)].map(String),
    securityOpt,
    runAsNonRoot: csc.runAsNonRoot ?? psc.runAsNonRoot ?? false,
  };
}

/**
 * The kubelet's runAsNonRoot check (verifyRunAsNonRoot) against the user the container will run
 * as: ours if set, else the image's. Returns the error message, if any.
 */
export function runAsNonRootViolation(sec: DockerSecurity, imageUser: string, pod: V1Pod, c: V1Container): string | undefined {
  if (!sec.runAsNonRoot) return undefined;
  const podDesc = `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;
  const user = (sec.user ?? imageUser).split(':')[0] ?? '';
  if (sec.user === undefined && user !== '' && !/^\d+$/.test(user)) {
    return `container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root (pod: "${podDesc}", container: ${c.name})`;
  }
  if (user === '' || Number(user) === 0) return `container has runAsNonRoot and image will run as root (pod: "${podDesc}", container: ${c.name})`;
  return undefined;
}

/** dockershim's makePortsAndBindings: host ports on the sandbox, by "<port>/<proto>". */
export function portBindings(mappings: SandboxConfig['portMappings']): {
  exposed: Record<string, Record<string, never>>; bindings: Record<string, Array<{ HostIp: string; HostPort: string }>>;
} {
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const m of mappings) {
    if (!m.hostPort) continue;
    const proto = ({ UDP: 'udp', SCTP: 'sctp' } as Record<string, string>)[m.protocol.toUpperCase()] ?? 'tcp';
    const key = `${m.containerPort}/${proto}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: m.hostIP ?? '', HostPort: String(m.hostPort) });
  }
  return { exposed, bindings };
}

/**
 * The kubelet-managed /etc/hosts of a pod with its own network (kubelet_pods.go
 * managedHostsFileContent): localhost entries, the pod's IP with its hostname (and FQDN when it
 * has a subdomain), then the pod's hostAliases.
 */
export function managedHostsFile(pod: V1Pod, podIP: string, hostname: string, clusterDomain: string): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  const sub = pod.spec?.subdomain;
  if (sub) lines.push(`${podIP}\t${hostname}.${sub}.${pod.metadata?.namespace ?? 'default'}.svc.${clusterDomain}\t${hostname}`);
  else lines.push(`${podIP}\t${hostname}`);
  const aliases = pod.spec?.hostAliases ?? [];
  if (aliases.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) lines.push(`${a.ip}\t${(a.hostnames ?? []).join('\t')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** resolv.conf from the kubelet's DNS config. */
export function resolvConf(dns: NonNullable<SandboxConfig['dns']>): string {
  const lines: string[] = [];
  if (dns.searches.length) lines.push(`search ${dns.searches.join(' ')}`);
  for (const s of dns.servers) lines.push(`nameserver ${s}`);
  if (dns.options.length) lines.push(`options ${dns.options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;

/** Whether a reference is well formed, and so safe to put in an API path (GET /images/<ref>/json). */
export const isImageRef = (ref: string): boolean => IMAGE_REF.test(ref);

/** The registry a reference pulls from (Docker Hub for bare names). */
export function registryOf(ref: string): string {
  const first = ref.split('/')[0]!;
  return ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

/** dockershim's image IDs: docker-pullable://<repo digest> for a pulled image, else docker://<id>. */
export function imageRefOf(id: string, repoDigests: string[] | undefined): string {
  const digest = repoDigests?.find((d) => d.includes('@'));
  return digest ? `docker-pullable://${digest}` : `docker://${id}`;
}

// IPv4 ranges.

export interface IPv4Range {
  cidr: string;
  /** The network address as an unsigned 32-bit number. */
  base: number;
  bits: number;
  size: number;
}

export function parseIPv4(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export const formatIPv4 = (n: number): string => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

export function parseCIDR(cidr: string): IPv4Range {
  const [ip, bitsText] = cidr.split('/');
  const addr = parseIPv4(ip ?? '');
  const bits = Number(bitsText);
  if (addr === undefined || !/^\d+$/.test(bitsText ?? '') || bits < 8 || bits > 30) {
    throw new Error(`docker runtime: pod CIDR ${JSON.stringify(cidr)} is not an IPv4 CIDR between /8 and /30`);
  }
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  const base = (addr & mask) >>> 0;
  return { cidr: `${formatIPv4(base)}/${bits}`, base, bits, size: 2 ** (32 - bits) };
}

export const rangeContains = (outer: IPv4Range, inner: IPv4Range): boolean =>
  inner.bits >= outer.bits && inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;

/**
 * A free pod address of `range`, looking from `from` onwards and wrapping: never the network
 * address, .1 (where a bridge gateway sits, as host-local IPAM leaves it) or the broadcast address.
 */
export function pickFreeIP(range: IPv4Range, used: ReadonlySet<number>, from: number): number | undefined {
  const first = range.base + 2;
  const count = range.size - 3;
  const start = from >= first && from < first + count ? from - first : 0;
  for (let i = 0; i < count; i++) {
    const n = first + ((start + i) % count);
    if (!used.has(n)) return n;
  }
  return undefined;
}

// Container state.

/** Docker's state as the CRI reports it. */
export function criState(status: string | undefined): ContainerState {
  switch (status) {
    case 'created': return 'created';
    case 'running': case 'paused': case 'restarting': return 'running';
    case 'exited': case 'dead': case 'removing': return 'exited';
    default: return 'unknown';
  }
}

/** Go's zero time, which Docker reports for "never". */
export function dockerTime(s: string | undefined): number | undefined {
  if (!s || s.startsWith('0001-01-01')) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/** Why a container exited, as the CRI reports it: OOMKilled, Completed (0) or Error. */
export function exitReason(exitCode: number, oomKilled: boolean): string {
  if (oomKilled) return 'OOMKilled';
  return exitCode === 0 ? 'Completed' : 'Error';
}

/** The kubelet's cap on a termination message (kubecontainer.MaxContainerTerminationMessageLength). */
export const MAX_TERMINATION_MESSAGE_BYTES = 4096;
