// The container runtime as the kubelet sees it: CRI-shaped (upstream's RuntimeService and
// ImageService, cri-api/pkg/apis/runtime/v1). The kubelet decides; a runtime only executes and
// reports. A pod is one sandbox (its network identity: the pod IP) plus app containers inside it,
// which maps onto Docker as a pause-like sandbox container and containers joining its network
// namespace. Implementations: fake.ts (simulated nodes) and docker/ (the Docker Engine API).
import type { Duplex, Readable, Writable } from 'node:stream';
import type { V1Container, V1Pod } from '@kubernetes/client-node';

/** What a sandbox is made with (upstream's PodSandboxConfig, the parts a runtime acts on). */
export interface SandboxConfig {
  hostname: string;
  hostNetwork: boolean;
  /** Host ports to publish (Docker: port bindings on the sandbox container). */
  portMappings: Array<{ containerPort: number; hostPort: number; protocol: string; hostIP?: string }>;
  /** /etc/resolv.conf content, as the kubelet computes it from dnsPolicy; runtimes may ignore it. */
  dns?: { servers: string[]; searches: string[]; options: string[] };
  labels: Record<string, string>;
}

export type SandboxState = 'ready' | 'notready';

export interface Sandbox {
  id: string;
  podUid: string;
  podName: string;
  podNamespace: string;
  /** 0 for the pod's first sandbox, one more for each replacement. */
  attempt: number;
  state: SandboxState;
  /** Epoch milliseconds. */
  createdAt: number;
  /** The pod's addresses; empty for host-network pods (their IP is the node's). */
  ips: string[];
  hostNetwork: boolean;
}

/** What a container is made with, after the kubelet resolved env and command expansion. */
export interface ContainerConfig {
  name: string;
  image: string;
  /** The image ENTRYPOINT replacement (pod's `command`); empty keeps the image's. */
  command: string[];
  /** The image CMD replacement (pod's `args`); empty keeps the image's. */
  args: string[];
  env: Array<{ name: string; value: string }>;
  workingDir?: string;
  /** The restart count this container carries (CRI metadata.attempt). */
  attempt: number;
  tty: boolean;
  stdin: boolean;
  stdinOnce: boolean;
  mounts: Array<{ hostPath: string; containerPath: string; readOnly: boolean }>;
  terminationMessagePath?: string;
  labels: Record<string, string>;
}

/** CRI's ContainerState: created (not started yet), running, exited, or unknown. */
export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface RuntimeContainer {
  id: string;
  sandboxId: string;
  podUid: string;
  name: string;
  attempt: number;
  image: string;
  /** The image's content address (reported as containerStatuses[].imageID). */
  imageRef: string;
  state: ContainerState;
  /** Epoch milliseconds. */
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  /** Why it exited: "Completed" (0), "Error", "OOMKilled", as containerd reports. */
  reason?: string;
  message?: string;
}

/** Everything the runtime holds for one pod UID. */
export interface RuntimePod {
  uid: string;
  name: string;
  namespace: string;
  sandboxes: Sandbox[];
  containers: RuntimeContainer[];
}

export interface RuntimeImage {
  id: string;
  /** Repo tags and digests, e.g. "docker.io/library/busybox:1.36". */
  names: string[];
  sizeBytes: number;
}

/** Upstream's PLEG events: what changed in the runtime, for the kubelet to sync that pod. */
export interface RuntimeEvent {
  type: 'SandboxReady' | 'SandboxStopped' | 'SandboxRemoved' | 'ContainerCreated' | 'ContainerStarted' | 'ContainerDied' | 'ContainerRemoved';
  podUid: string;
  id: string;
}

/** Options of `kubectl logs` the runtime applies (the kubelet picks the container). */
export interface LogOptions {
  follow?: boolean;
  tailLines?: number;
  limitBytes?: number;
  timestamps?: boolean;
  /** Epoch milliseconds. */
  sinceTime?: number;
}

export interface StreamIO {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty?: boolean;
  resize?: AsyncIterable<{ width: number; height: number }>;
}

export interface RuntimeVersion {
  /** CRI RuntimeName: "fake", "docker"; the node reports `<name>://<version>`. */
  runtimeName: string;
  runtimeVersion: string;
}

/** CRI's RuntimeReady and NetworkReady conditions, folded: the node is Ready only when this is. */
export interface RuntimeStatus {
  ready: boolean;
  message?: string;
}

export interface ContainerRuntime {
  version(): Promise<RuntimeVersion>;
  status(): Promise<RuntimeStatus>;
  /** CRI UpdateRuntimeConfig: the node's pod CIDR, where sandboxes get their IPs. */
  updateRuntimeConfig(cfg: { podCIDR: string }): Promise<void>;

  runPodSandbox(pod: V1Pod, cfg: SandboxConfig, attempt: number): Promise<Sandbox>;
  /** Stops the sandbox and every container in it; idempotent. */
  stopPodSandbox(id: string): Promise<void>;
  /** Removes the sandbox and its containers; idempotent. */
  removePodSandbox(id: string): Promise<void>;

  createContainer(sandbox: Sandbox, pod: V1Pod, container: V1Container, cfg: ContainerConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceSeconds`; idempotent on an exited container. */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;

  /** One pod's sandboxes and containers (upstream's GetPodStatus); undefined when it has none. */
  podStatus(podUid: string): Promise<RuntimePod | undefined>;
  /** Every pod the runtime holds, including ones the API no longer knows. */
  list(): Promise<RuntimePod[]>;

  hasImage(ref: string): Promise<boolean>;
  pullImage(ref: string): Promise<void>;
  /** Largest first, as the node status wants them. */
  listImages(): Promise<RuntimeImage[]>;

  logs(containerId: string, o: LogOptions, out: Writable, signal: AbortSignal): Promise<void>;
  /** Runs a command in a running container; resolves with its exit code. */
  exec(containerId: string, cmd: string[], io: StreamIO, signal: AbortSignal): Promise<number>;
  /**
   * Joins the streams of a running container's main process (CRI Attach): its output from now on,
   * stdin into it when the container keeps stdin open; resolves when it exits or the signal aborts.
   */
  attach(containerId: string, io: StreamIO, signal: AbortSignal): Promise<void>;
  portForward(sandboxId: string, port: number, socket: Duplex): Promise<void>;

  /** Changes as they happen, until the signal aborts. */
  events(signal: AbortSignal): AsyncIterable<RuntimeEvent>;
}

/** Upstream's ContainerID.String(): "<runtime type>://<id>", as containerStatuses[].containerID. */
export const containerIdString = (runtimeName: string, id: string): string => `${runtimeName}://${id}`;

/** Containers grouped by name, newest first (highest attempt, then latest created). */
export function containersByName(containers: RuntimeContainer[]): Map<string, RuntimeContainer[]> {
  const out = new Map<string, RuntimeContainer[]>();
  for (const c of containers) {
    let list = out.get(c.name);
    if (!list) out.set(c.name, (list = []));
    list.push(c);
  }
  for (const list of out.values()) list.sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
  return out;
}

/** The pod's newest sandbox. */
export function latestSandbox(pod: RuntimePod | undefined): Sandbox | undefined {
  let best: Sandbox | undefined;
  for (const s of pod?.sandboxes ?? []) if (!best || s.attempt > best.attempt || (s.attempt === best.attempt && s.createdAt > best.createdAt)) best = s;
  return best;
}
