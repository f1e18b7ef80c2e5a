// The Docker runtime: pods as real containers, the way upstream's dockershim ran them. A pod's
// sandbox is a small "pause" container that holds the network namespace (its IP is the pod IP)
// and a shareable IPC namespace; app containers join both (and its PID namespace with
// shareProcessNamespace). Everything the kubelet needs to know is in Docker itself — labels name
// the owner kubelet, the pod, the container and the attempt — so a restarted kubelet rebuilds its
// state from `docker ps` and adopts or cleans what it finds.
//
// Pod addresses: every sandbox joins one user-defined bridge network ("capstan", 10.240.0.0/16
// by default) with a static address from its node's pod CIDR, allocated here like host-local
// IPAM. Several nodes on one machine thus get distinct ranges yet share a bridge, so pods reach
// each other across nodes, and the host reaches every pod. A pod CIDR outside that network gets
// a bridge network of its own.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, Writable, type Duplex, type Readable } from 'node:stream';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type Docker from 'dockerode';
import type {
  ContainerConfig, ContainerRuntime, LogOptions, RuntimeContainer, RuntimeEvent, RuntimeImage, RuntimePod, RuntimeStatus,
  RuntimeVersion, Sandbox, SandboxConfig, StreamIO,
} from '../runtime.ts';
import {
  REQUEST_TIMEOUT_MS, answerWithin, attachContainer, containerLogs, deadline, dockerClient, engineVersion, isDockerConflict, isDockerError,
  isDockerNotFound, isDockerNotModified, pingEngine, startedWithin,
} from './client.ts';
import { Demuxer } from './demux.ts';
import {
  LABEL_ATTEMPT, LABEL_CONTAINER_NAME, LABEL_HOST_NETWORK, LABEL_NETWORK, LABEL_OWNER, LABEL_POD_IP, LABEL_POD_NAME,
  LABEL_POD_NAMESPACE, LABEL_POD_UID, LABEL_RESTART_COUNT, LABEL_SANDBOX_ID, LABEL_TERMINATION_FILE, LABEL_TERMINATION_PATH,
  LABEL_TERMINATION_POLICY, LABEL_TYPE, MAX_TERMINATION_MESSAGE_BYTES, SANDBOX_CONTAINER_NAME,
  SANDBOX_OOM_SCORE_ADJ, TYPE_CONTAINER, TYPE_SANDBOX, containerName, criState, dockerSecurity, dockerTime,
  exitReason, formatIPv4, imageRefOf, isImageRef, linuxResources, managedHostsFile, oomScoreAdjust, parseCIDR, parseIPv4,
  pickFreeIP, portBindings, rangeContains, registryOf, resolvConf, runAsNonRootViolation, sandboxName,
  type IPv4Range,
} from './config.ts';

export const DOCKER_RUNTIME_NAME = 'docker';
/** Where Docker nodes' pod CIDRs live (`capstan up --nodes N`: node i gets 10.240.i.0/24). */
export const DOCKER_CLUSTER_CIDR = '10.240.0.0/16';
export const DOCKER_NETWORK = 'capstan';

// Docker 20.10 (the engine Debian ships) can deadlock its network controller when sandboxes join
// and leave a network at the same moment (moby/moby#46661): every runtime in this process starts,
// stops and removes sandboxes one at a time. App containers join the sandbox's namespace, not the
// network, so they need no such care.
let sandboxNetworkLane: Promise<unknown> = Promise.resolve();
function sandboxNetworkChange<T>(op: () => Promise<T>): Promise<T> {
  const run = sandboxNetworkLane.then(op, op);
  sandboxNetworkLane = run.catch(() => undefined);
  return run;
}
/** Built by scripts/ensure-docker.sh: busybox whose PID 1 sleeps and leaves on TERM. */
export const SANDBOX_IMAGE = 'capstan/pause:1';
/** How long a failed pull of an image we already have keeps us from asking that registry again. */
const OFFLINE_MEMORY_MS = 5 * 60_000;
/** dockershim's defaultSandboxGracePeriod. */
const SANDBOX_GRACE_SECONDS = 10;

export interface DockerRuntimeOptions {
  /**
   * Which kubelet owns the containers (a label on each): the node name, qualified by the cluster
   * when several clusters may share the engine. Only the owner's containers are listed or touched.
   */
  owner: string;
  socketPath?: string;
  /** Until updateRuntimeConfig says otherwise. */
  podCIDR?: string;
  /** The shared network's subnet; pod CIDRs inside it use that network. Default DOCKER_CLUSTER_CIDR. */
  clusterCIDR?: string;
  /** The shared network's name; default "capstan". */
  network?: string;
  sandboxImage?: string;
  /** Host files bound into containers (termination messages, /etc/hosts, resolv.conf). Default under the temp dir. */
  stateDir?: string;
  clusterDomain?: string;
  /** For Burstable containers' OOM score; default this machine's memory. */
  memoryCapacity?: number;
  log?: (msg: string) => void;
}

interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

const errorMessage = (e: unknown) => (e as Error)?.message ?? String(e);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class DockerRuntime implements ContainerRuntime {
  /** The engine's client (dockerode); its API version is settled by the first request. */
  readonly docker: Docker;
  /** Its keep-alive connections, closed by close(). */
  private readonly agent = new http.Agent({ keepAlive: true });
  readonly owner: string;
  readonly stateDir: string;
  private readonly sandboxImage: string;
  private readonly clusterRange: IPv4Range;
  private readonly sharedNetwork: string;
  private readonly clusterDomain: string;
  private readonly memoryCapacity: number;
  private readonly log: (msg: string) => void;
  private podRange: IPv4Range;
  /** The network sandboxes join, once made sure of. */
  private network?: Promise<string>;
  /** Addresses handed out whose sandboxes have not started yet. */
  private readonly reserved = new Set<number>();
  private nextIP = 0;
  private ipLock: Promise<unknown> = Promise.resolve();
  /** Inspections of ended containers (they no longer change), with their termination messages. */
  private readonly ended = new Map<string, RuntimeContainer>();
  private readonly imageRefs = new Map<string, string>();
  /** Registries a pull failed from recently, for images we have anyway. */
  private readonly unreachable = new Map<string, number>();
  /** Lowering an OOM score needs CAP_SYS_RESOURCE; without it, runc fails the whole container. */
  private readonly minOomScoreAdj: number;
  private hairpinWarned = false;

  constructor(o: DockerRuntimeOptions) {
    if (!o.owner) throw new Error('docker runtime: an owner (the node name) is required');
    this.owner = o.owner;
    this.docker = dockerClient({ socketPath: o.socketPath, agent: this.agent });
    this.sandboxImage = o.sandboxImage ?? SANDBOX_IMAGE;
    this.clusterRange = parseCIDR(o.clusterCIDR ?? DOCKER_CLUSTER_CIDR);
    this.sharedNetwork = o.network ?? DOCKER_NETWORK;
    this.podRange = parseCIDR(o.podCIDR ?? '10.240.0.0/24');
    this.clusterDomain = o.clusterDomain ?? 'cluster.local';
    this.memoryCapacity = o.memoryCapacity ?? os.totalmem();
    this.stateDir = o.stateDir ?? path.join(os.tmpdir(), 'capstan-docker', o.owner.replace(/[^A-Za-z0-9._-]/g, '_'));
    this.log = o.log ?? (() => {});
    this.minOomScoreAdj = mayLowerOomScore() ? -1000 : 0;
  }

  private oomScore(adj: number): number {
    return Math.max(this.minOomScoreAdj, adj);
  }

  /** Closes the engine client's connections. */
  close(): void {
    this.agent.destroy();
  }

  async version(): Promise<RuntimeVersion> {
    const v = await engineVersion(this.docker);
    return { runtimeName: DOCKER_RUNTIME_NAME, runtimeVersion: v.Version };
  }

  async status(): Promise<RuntimeStatus> {
    try {
      await pingEngine(this.docker, 5_000);
      return { ready: true };
    } catch (e) {
      return { ready: false, message: `container runtime is down: ${errorMessage(e)}` };
    }
  }

  async updateRuntimeConfig(cfg: { podCIDR: string }): Promise<void> {
    const range = parseCIDR(cfg.podCIDR);
    if (range.cidr === this.podRange.cidr && this.network) return;
    this.podRange = range;
    this.nextIP = 0;
    this.network = undefined;
    await this.ensureNetwork();
  }

  /** The network for the pod CIDR: the shared one when the CIDR lies in it, else one of its own. */
  private ensureNetwork(): Promise<string> {
    this.network ??= (async () => {
      const shared = rangeContains(this.clusterRange, this.podRange);
      const name = shared ? this.sharedNetwork : `capstan-${this.podRange.cidr.replace(/[./]/g, '-')}`;
      const subnet = shared ? this.clusterRange : this.podRange;
      await this.makeNetwork(name, subnet);
      return name;
    })().catch((e) => { this.network = undefined; throw e; });
    return this.network;
  }

  private async makeNetwork(name: string, subnet: IPv4Range): Promise<void> {
    const inspect = () => answerWithin(this.docker.getNetwork(name).inspect(), `inspecting network ${name}`);
    const check = (n: Docker.NetworkInspectInfo) => {
      const have = n.IPAM?.Config?.map((c) => c.Subnet).filter(Boolean) ?? [];
      if (!have.includes(subnet.cidr)) {
        throw new Error(`docker network ${name} has subnet ${have.join(', ') || 'none'}, not ${subnet.cidr}: remove it (docker network rm ${name}) or choose another pod CIDR`);
      }
    };
    try {
      check(await inspect());
      return;
    } catch (e) {
      if (!isDockerNotFound(e)) throw e;
    }
    try {
      await this.docker.createNetwork({
        Name: name, CheckDuplicate: true, Driver: 'bridge',
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet.cidr, Gateway: formatIPv4(subnet.base + 1) }] },
        Labels: { [LABEL_NETWORK]: 'true' },
        abortSignal: deadline(),
      });
      this.log(`docker runtime: created network ${name} (${subnet.cidr})`);
    } catch (e) {
      // Another kubelet made it meanwhile.
      if (!isDockerConflict(e)) throw new Error(`cannot create docker network ${name} (${subnet.cidr}): ${errorMessage(e)}`);
      check(await inspect());
    }
  }

  /** A free address of the pod CIDR, held until released (host-local IPAM's round robin). */
  private reserveIP(network: string): Promise<number> {
    const next = this.ipLock.then(async () => {
      const net = await answerWithin(this.docker.getNetwork(network).inspect(), `inspecting network ${network}`);
      const used = new Set(this.reserved);
      for (const ep of Object.values(net.Containers ?? {})) {
        const ip = parseIPv4((ep.IPv4Address ?? '').split('/')[0] ?? '');
        if (ip !== undefined) used.add(ip);
      }
      const ip = pickFreeIP(this.podRange, used, this.nextIP);
      if (ip === undefined) throw new Error(`docker runtime: no free pod IP in ${this.podRange.cidr}`);
      this.reserved.add(ip);
      this.nextIP = ip + 1;
      return ip;
    });
    this.ipLock = next.catch(() => {});
    return next;
  }

  private podDir(uid: string): string {
    return path.join(this.stateDir, 'pods', uid.replace(/[^A-Za-z0-9._-]/g, '_'));
  }

  /** Creates a container by name; a name taken by a leftover gets a random suffix (dockershim's randomizeName). */
  private async createNamed(name: string, body: Docker.ContainerCreateOptions): Promise<string> {
    try {
      return (await this.docker.createContainer({ ...body, name, abortSignal: deadline() })).id;
    } catch (e) {
      if (!isDockerConflict(e)) throw e;
      const again = `${name}_${randomBytes(4).toString('hex')}`;
      return (await this.docker.createContainer({ ...body, name: again, abortSignal: deadline() })).id;
    }
  }

  async runPodSandbox(pod: V1Pod, cfg: SandboxConfig, attempt: number): Promise<Sandbox> {
    const meta = { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', uid: pod.metadata?.uid ?? '' };
    if (!(await this.hasImage(this.sandboxImage))) {
      throw new Error(`the pod sandbox image ${this.sandboxImage} is missing: build the local images with scripts/ensure-docker.sh`);
    }
    const spec = pod.spec;
    const hostNetwork = cfg.hostNetwork;
    const network = hostNetwork ? 'host' : await this.ensureNetwork();
    const { exposed, bindings } = portBindings(hostNetwork ? [] : cfg.portMappings);
    const sysctls = Object.fromEntries((spec?.securityContext?.sysctls ?? []).map((s) => [s.name, s.value]));
    const labels: Record<string, string> = {
      ...cfg.labels,
      [LABEL_TYPE]: TYPE_SANDBOX, [LABEL_CONTAINER_NAME]: SANDBOX_CONTAINER_NAME, [LABEL_OWNER]: this.owner,
      [LABEL_POD_UID]: meta.uid, [LABEL_POD_NAME]: meta.name, [LABEL_POD_NAMESPACE]: meta.namespace,
      [LABEL_ATTEMPT]: String(attempt), [LABEL_HOST_NETWORK]: String(hostNetwork),
    };
    let id = '';
    let podIP = '';
    for (let tries = 0; ; tries++) {
      const ip = hostNetwork ? undefined : await this.reserveIP(network);
      try {
        podIP = ip === undefined ? '' : formatIPv4(ip);
        const body: Docker.ContainerCreateOptions = {
          Image: this.sandboxImage,
          ...(hostNetwork ? {} : { Hostname: cfg.hostname }),
          Labels: { ...labels, ...(podIP ? { [LABEL_POD_IP]: podIP } : {}) },
          ExposedPorts: exposed,
          HostConfig: {
            NetworkMode: network,
            IpcMode: spec?.hostIPC ? 'host' : 'shareable',
            ...(spec?.hostPID ? { PidMode: 'host' } : {}),
            PortBindings: bindings,
            CpuShares: 2, OomScoreAdj: this.oomScore(SANDBOX_OOM_SCORE_ADJ),
            ...(Object.keys(sysctls).length ? { Sysctls: sysctls } : {}),
            RestartPolicy: { Name: 'no' },
          },
          ...(podIP ? { NetworkingConfig: { EndpointsConfig: { [network]: { IPAMConfig: { IPv4Address: podIP } } } } } : {}),
        };
        id = await this.createNamed(sandboxName(meta, attempt), body);
        try {
          await sandboxNetworkChange(() => this.docker.getContainer(id).start({ abortSignal: deadline() }));
          if (!hostNetwork) await this.enableHairpin(id);
          break;
        } catch (e) {
          await this.forceRemove(id);
          // Another cluster's kubelet on this engine took the address meanwhile: try the next one.
          if (!hostNetwork && tries < 5 && /address already in use|already allocated/i.test(errorMessage(e))) continue;
          throw new Error(`failed to start the pod sandbox: ${errorMessage(e)}`);
        }
      } finally {
        if (ip !== undefined) this.reserved.delete(ip);
      }
    }
    const dir = path.join(this.podDir(meta.uid), id);
    mkdirSync(dir, { recursive: true });
    if (!hostNetwork) writeFileSync(path.join(dir, 'hosts'), managedHostsFile(pod, podIP, cfg.hostname, this.clusterDomain), { mode: 0o644 });
    // The kubelet's resolver configuration becomes every container's /etc/resolv.conf (bound in
    // createContainer); as dockershim, an empty one leaves Docker's own (its embedded DNS on a
    // bridge network, a copy of the host's file on the host network).
    const dns = cfg.dns;
    if (dns && (dns.servers.length || dns.searches.length || dns.options.length)) {
      writeFileSync(path.join(dir, 'resolv.conf'), resolvConf(dns), { mode: 0o644 });
    }
    return {
      id, podUid: meta.uid, podName: meta.name, podNamespace: meta.namespace, attempt, state: 'ready', createdAt: Date.now(),
      ips: podIP ? [podIP] : [], hostNetwork,
    };
  }

  async stopPodSandbox(id: string): Promise<void> {
    const members = await this.listOwned([`${LABEL_SANDBOX_ID}=${id}`]);
    // The kubelet stops containers with their grace period first; whatever still runs stops now.
    await Promise.all(members.filter((c) => c.State === 'running' || c.State === 'paused').map((c) => this.stopContainer(c.Id, 0)));
    await sandboxNetworkChange(() => this.stop(id, SANDBOX_GRACE_SECONDS));
  }

  async removePodSandbox(id: string): Promise<void> {
    const members = await this.listOwned([`${LABEL_SANDBOX_ID}=${id}`]);
    for (const c of members) await this.removeContainer(c.Id);
    let uid: string | undefined;
    try {
      const sb = await this.docker.getContainer(id).inspect({ abortSignal: deadline() });
      uid = sb.Config.Labels?.[LABEL_POD_UID];
    } catch (e) {
      if (!isDockerNotFound(e)) throw e;
    }
    await sandboxNetworkChange(() => this.forceRemove(id));
    if (uid !== undefined) {
      rmSync(path.join(this.podDir(uid), id), { recursive: true, force: true });
      this.removeIfEmpty(this.podDir(uid));
    }
  }

  async createContainer(sandbox: Sandbox, pod: V1Pod, container: V1Container, cfg: ContainerConfig): Promise<string> {
    const meta = { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', uid: pod.metadata?.uid ?? '' };
    const image = await this.inspectImage(cfg.image);
    if (!image) throw new Error(`No such image: ${cfg.image}`);
    const sec = dockerSecurity(pod, container);
    const violation = runAsNonRootViolation(sec, image.Config?.User ?? '', pod, container);
    if (violation) throw new Error(violation);
    const res = linuxResources(container);
    const spec = pod.spec;
    const sb = sandbox.id;
    const binds = cfg.mounts.map((m) => `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`);
    const podFiles = path.join(this.podDir(meta.uid), sb);
    const mounted = new Set(cfg.mounts.map((m) => m.containerPath));
    if (!sandbox.hostNetwork && existsSync(path.join(podFiles, 'hosts')) && !mounted.has('/etc/hosts')) binds.push(`${path.join(podFiles, 'hosts')}:/etc/hosts`);
    if (existsSync(path.join(podFiles, 'resolv.conf')) && !mounted.has('/etc/resolv.conf')) binds.push(`${path.join(podFiles, 'resolv.conf')}:/etc/resolv.conf`);
    const terminationPath = cfg.terminationMessagePath ?? container.terminationMessagePath;
    let terminationFile: string | undefined;
    if (terminationPath && !mounted.has(terminationPath)) {
      // The kubelet binds its own file when it keeps pod directories (upstream: the kubelet, not the
      // runtime); without one, a file of ours per container, read back once the container ends.
      const dir = path.join(this.podDir(meta.uid), 'containers');
      mkdirSync(dir, { recursive: true });
      terminationFile = path.join(dir, `${cfg.name}-${cfg.attempt}-${randomBytes(4).toString('hex')}`);
      writeFileSync(terminationFile, '');
      chmodSync(terminationFile, 0o666);
      binds.push(`${terminationFile}:${terminationPath}`);
    }
    const labels: Record<string, string> = {
      ...cfg.labels,
      [LABEL_TYPE]: TYPE_CONTAINER, [LABEL_SANDBOX_ID]: sb, [LABEL_OWNER]: this.owner,
      [LABEL_POD_UID]: meta.uid, [LABEL_POD_NAME]: meta.name, [LABEL_POD_NAMESPACE]: meta.namespace,
      [LABEL_CONTAINER_NAME]: cfg.name, [LABEL_ATTEMPT]: String(cfg.attempt), [LABEL_RESTART_COUNT]: String(cfg.attempt),
      ...(terminationPath ? { [LABEL_TERMINATION_PATH]: terminationPath } : {}),
      [LABEL_TERMINATION_POLICY]: container.terminationMessagePolicy ?? 'File',
      ...(terminationFile ? { [LABEL_TERMINATION_FILE]: terminationFile } : {}),
    };
    const joined = `container:${sb}`;
    const body: Docker.ContainerCreateOptions = {
      Image: cfg.image,
      // As dockershim: the pod's command replaces the ENTRYPOINT (and so drops the image's CMD), args the CMD.
      ...(cfg.command.length ? { Entrypoint: cfg.command } : {}),
      ...(cfg.args.length ? { Cmd: cfg.args } : {}),
      Env: cfg.env.map((e) => `${e.name}=${e.value}`),
      ...(cfg.workingDir ? { WorkingDir: cfg.workingDir } : {}),
      Tty: cfg.tty, OpenStdin: cfg.stdin, StdinOnce: cfg.stdinOnce,
      ...(sec.user !== undefined ? { User: sec.user } : {}),
      Labels: labels,
      HostConfig: {
        NetworkMode: joined,
        IpcMode: spec?.hostIPC ? 'host' : joined,
        ...(spec?.hostPID ? { PidMode: 'host' } : spec?.shareProcessNamespace ? { PidMode: joined } : {}),
        ...(sandbox.hostNetwork ? { UTSMode: 'host' } : {}),
        Binds: binds,
        Privileged: sec.privileged, ReadonlyRootfs: sec.readonlyRootfs,
        CapAdd: sec.capAdd, CapDrop: sec.capDrop, GroupAdd: sec.groupAdd, SecurityOpt: sec.securityOpt,
        // No swap for a memory-limited container: the limit is the limit, as the kubelet wants it.
        ...(res.memory > 0 ? { Memory: res.memory, MemorySwap: res.memory } : {}),
        CpuShares: res.cpuShares,
        ...(res.cpuQuota > 0 ? { CpuQuota: res.cpuQuota, CpuPeriod: res.cpuPeriod } : {}),
        OomScoreAdj: this.oomScore(oomScoreAdjust(pod, container, this.memoryCapacity)),
        RestartPolicy: { Name: 'no' },
      },
    };
    try {
      return await this.createNamed(containerName(cfg.name, meta, cfg.attempt), body);
    } catch (e) {
      if (terminationFile) rmSync(terminationFile, { force: true });
      throw e;
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start({ abortSignal: deadline() });
    } catch (e) {
      if (isDockerNotModified(e)) return;
      throw new Error(`failed to start container ${id}: ${errorMessage(e)}`);
    }
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    await this.stop(id, graceSeconds);
  }

  /**
   * Hairpin mode on the sandbox's bridge port (upstream kubelet's --hairpin-mode=hairpin-veth),
   * so that a pod reaches itself through its own Service: the proxy DNATs the packet back to the
   * port it came in on, which a bridge drops unless hairpin is on. Docker sets it only without
   * its userland proxy. Best effort: without root the write fails and pods simply lack hairpin.
   */
  private async enableHairpin(id: string): Promise<void> {
    try {
      const c = await this.docker.getContainer(id).inspect({ abortSignal: deadline() });
      const pid = c.State.Pid;
      if (!pid) return;
      const peer = readFileSync(`/proc/${pid}/root/sys/class/net/eth0/iflink`, 'utf8').trim();
      const veth = readdirSync('/sys/class/net').find((dev) => {
        try { return readFileSync(`/sys/class/net/${dev}/ifindex`, 'utf8').trim() === peer; } catch { return false; }
      });
      if (veth) writeFileSync(`/sys/class/net/${veth}/brport/hairpin_mode`, '1');
    } catch (e) {
      if (!this.hairpinWarned) this.log(`docker runtime: cannot set hairpin mode on pod interfaces (${errorMessage(e)}): pods will not reach themselves through their Services`);
      this.hairpinWarned = true;
    }
  }

  /** docker stop -t: SIGTERM (or the image's STOPSIGNAL), SIGKILL after the grace period; quiet when already stopped or gone. */
  private async stop(id: string, graceSeconds: number): Promise<void> {
    const t = Math.max(0, Math.floor(graceSeconds));
    try {
      await this.docker.getContainer(id).stop({ t, abortSignal: deadline((t + 60) * 1000) });
    } catch (e) {
      if (isDockerNotModified(e) || isDockerNotFound(e)) return;
      throw e;
    }
  }

  async removeContainer(id: string): Promise<void> {
    let file: string | undefined;
    let uid: string | undefined;
    try {
      const c = await this.docker.getContainer(id).inspect({ abortSignal: deadline() });
      file = c.Config.Labels?.[LABEL_TERMINATION_FILE];
      uid = c.Config.Labels?.[LABEL_POD_UID];
    } catch (e) {
      if (!isDockerNotFound(e)) throw e;
      this.ended.delete(id);
      return;
    }
    await this.forceRemove(id);
    if (file && uid && file.startsWith(this.podDir(uid) + path.sep)) rmSync(file, { force: true });
  }

  private async forceRemove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true, abortSignal: deadline() });
    } catch (e) {
      // Gone already, or being removed by an earlier call.
      if (!isDockerNotFound(e) && !isDockerConflict(e)) throw e;
    } finally {
      this.ended.delete(id);
    }
  }

  private removeIfEmpty(dir: string): void {
    for (const d of [path.join(dir, 'containers'), dir]) {
      try { rmdirSync(d); } catch { /* not empty, or gone */ }
    }
  }

  /** Removes every container of this owner (tests; a node given up for good). */
  async removeAll(): Promise<void> {
    const all = await this.listOwned();
    await Promise.all(all.filter((c) => c.Labels?.[LABEL_TYPE] !== TYPE_SANDBOX).map((c) => this.removeContainer(c.Id)));
    await Promise.all(all.filter((c) => c.Labels?.[LABEL_TYPE] === TYPE_SANDBOX).map((c) => this.removePodSandbox(c.Id)));
    rmSync(this.stateDir, { recursive: true, force: true });
  }

  /** This owner's containers (all states), narrowed by more label filters. */
  private listOwned(labels: string[] = []): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: { label: [`${LABEL_OWNER}=${this.owner}`, ...labels] }, abortSignal: deadline() });
  }

  async podStatus(podUid: string): Promise<RuntimePod | undefined> {
    return (await this.collect(await this.listOwned([`${LABEL_POD_UID}=${podUid}`])))[0];
  }

  async list(): Promise<RuntimePod[]> {
    return this.collect(await this.listOwned());
  }

  private async collect(items: Docker.ContainerInfo[]): Promise<RuntimePod[]> {
    const pods = new Map<string, RuntimePod>();
    const podOf = (labels: Record<string, string>) => {
      const uid = labels[LABEL_POD_UID] ?? '';
      let p = pods.get(uid);
      if (!p) pods.set(uid, (p = { uid, name: labels[LABEL_POD_NAME] ?? '', namespace: labels[LABEL_POD_NAMESPACE] ?? '', sandboxes: [], containers: [] }));
      return p;
    };
    const present = new Set(items.map((i) => i.Id));
    for (const id of this.ended.keys()) if (!present.has(id)) this.ended.delete(id);
    const containers = await Promise.all(items.map(async (item) => {
      const labels = item.Labels ?? {};
      if (labels[LABEL_TYPE] === TYPE_SANDBOX) {
        podOf(labels).sandboxes.push(sandboxOf(item));
        return undefined;
      }
      try {
        return await this.containerOf(item.Id);
      } catch (e) {
        if (isDockerNotFound(e)) return undefined; // removed while we looked
        throw e;
      }
    }));
    for (const c of containers) {
      if (!c) continue;
      const p = pods.get(c.podUid) ?? podOf({ [LABEL_POD_UID]: c.podUid });
      p.containers.push(c);
    }
    return [...pods.values()];
  }

  private async containerOf(id: string): Promise<RuntimeContainer> {
    const cached = this.ended.get(id);
    if (cached) return { ...cached };
    const j = await this.docker.getContainer(id).inspect({ abortSignal: deadline() });
    const labels = j.Config.Labels ?? {};
    const createdAt = dockerTime(j.Created) ?? 0;
    let state = criState(j.State.Status);
    const c: RuntimeContainer = {
      id: j.Id, sandboxId: labels[LABEL_SANDBOX_ID] ?? '', podUid: labels[LABEL_POD_UID] ?? '', name: labels[LABEL_CONTAINER_NAME] ?? '',
      attempt: Number(labels[LABEL_ATTEMPT] ?? 0) || 0, image: j.Config.Image, imageRef: await this.imageRefOf(j.Image),
      state, createdAt,
    };
    const startedAt = dockerTime(j.State.StartedAt);
    if (startedAt !== undefined) c.startedAt = startedAt;
    if (state === 'created' && j.State.Error) {
      // It failed to start: the CRI reports such a container as exited with StartError, code 128.
      state = c.state = 'exited';
      Object.assign(c, { startedAt: createdAt, finishedAt: createdAt, exitCode: 128, reason: 'StartError', message: j.State.Error });
    } else if (state === 'exited') {
      c.finishedAt = dockerTime(j.State.FinishedAt) ?? startedAt ?? createdAt;
      c.exitCode = j.State.ExitCode;
      c.reason = exitReason(j.State.ExitCode, j.State.OOMKilled);
      const message = this.terminationMessage(labels);
      if (message) c.message = message;
    }
    if (state === 'exited') this.ended.set(id, { ...c });
    return c;
  }

  /** What the container wrote to the termination-message file we bound for it (the last 4 KiB), if we bound one. */
  private terminationMessage(labels: Record<string, string>): string | undefined {
    const file = labels[LABEL_TERMINATION_FILE];
    if (!file) return undefined;
    try {
      return readTail(file, MAX_TERMINATION_MESSAGE_BYTES) || undefined;
    } catch {
      return undefined; // removed: no message
    }
  }

  private async inspectImage(ref: string): Promise<Docker.ImageInspectInfo | undefined> {
    // dockerode puts the reference in the path as it is.
    if (!isImageRef(ref)) return undefined;
    try {
      return await answerWithin(this.docker.getImage(ref).inspect(), `inspecting image ${ref}`);
    } catch (e) {
      if (isDockerNotFound(e)) return undefined;
      throw e;
    }
  }

  private async imageRefOf(imageId: string): Promise<string> {
    let ref = this.imageRefs.get(imageId);
    if (ref) return ref;
    const image = await this.inspectImage(imageId).catch(() => undefined);
    ref = imageRefOf(imageId, image?.RepoDigests ?? undefined);
    if (image) this.imageRefs.set(imageId, ref);
    return ref;
  }

  async hasImage(ref: string): Promise<boolean> {
    return (await this.inspectImage(ref)) !== undefined;
  }

  /**
   * docker pull. No registry may be reachable (these machines build their images locally): a
   * failed pull of an image that is here anyway succeeds with the local one, and that registry
   * is not asked again for a while, so that imagePullPolicy Always works offline. A failed pull
   * of a missing image fails with the engine's message, which the kubelet reports as ErrImagePull.
   */
  async pullImage(ref: string): Promise<void> {
    if (!isImageRef(ref)) throw new Error(`invalid reference format: ${JSON.stringify(ref)}`);
    const registry = registryOf(ref);
    if ((this.unreachable.get(registry) ?? 0) > Date.now() && (await this.hasImage(ref))) return;
    // What the engine said when it refused (an error answer, or an error in the pull's progress), else what failed.
    let refusal: string | undefined;
    let failure: unknown;
    try {
      refusal = await this.pull(ref);
      if (refusal === undefined) {
        this.unreachable.delete(registry);
        return;
      }
    } catch (e) {
      if (isDockerError(e)) refusal = e.message;
      else failure = e;
    }
    if (await this.hasImage(ref)) {
      if ((this.unreachable.get(registry) ?? 0) <= Date.now()) {
        this.log(`docker runtime: pulling ${ref} failed (${refusal ?? errorMessage(failure)}); using local images from ${registry} for ${OFFLINE_MEMORY_MS / 60_000} minutes`);
      }
      this.unreachable.set(registry, Date.now() + OFFLINE_MEMORY_MS);
      return;
    }
    throw new Error(refusal !== undefined ? `Error response from daemon: ${refusal}` : errorMessage(failure));
  }

  /** docker.pull, followed to its end (the engine must start answering within a minute): the first error it reported, if any. */
  private async pull(ref: string): Promise<string | undefined> {
    const progress = await startedWithin(REQUEST_TIMEOUT_MS, (abortSignal) => this.docker.pull(ref, { abortSignal }));
    return new Promise<string | undefined>((resolve, reject) => {
      let refusal: string | undefined;
      this.docker.modem.followProgress(progress, (err) => (err ? reject(err) : resolve(refusal)), (msg: { error?: string; errorDetail?: { message?: string } }) => {
        if (msg.error || msg.errorDetail) refusal ??= msg.errorDetail?.message ?? msg.error ?? 'pull failed';
      });
    });
  }

  async listImages(): Promise<RuntimeImage[]> {
    const images = await this.docker.listImages({ abortSignal: deadline() });
    return images
      .map((i) => {
        const names: string[] = [];
        for (const t of [...(i.RepoTags ?? []), ...(i.RepoDigests ?? [])]) {
          if (t.startsWith('<none>')) continue;
          for (const n of [normalizedName(t), t]) if (!names.includes(n)) names.push(n);
        }
        return { id: i.Id, names, sizeBytes: i.Size };
      })
      .filter((i) => i.names.length > 0)
      .sort((a, b) => b.sizeBytes - a.sizeBytes);
  }

  async logs(containerId: string, o: LogOptions, out: Writable, signal: AbortSignal): Promise<void> {
    const j = await this.docker.getContainer(containerId).inspect({ abortSignal: deadline() });
    let res: Readable;
    try {
      res = await containerLogs(this.docker, containerId, {
        follow: !!o.follow, timestamps: !!o.timestamps,
        ...(o.tailLines !== undefined ? { tail: Math.max(0, o.tailLines) } : {}),
        ...(o.sinceTime !== undefined ? { since: o.sinceTime / 1000 } : {}),
        signal,
      });
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    }
    let budget = o.limitBytes ?? Infinity;
    const pending: Buffer[] = [];
    const demux = new Demuxer((_kind, payload) => pending.push(payload));
    try {
      for await (const chunk of res) {
        if (j.Config.Tty) pending.push(chunk as Buffer);
        else demux.push(chunk as Buffer);
        while (pending.length) {
          let b = pending.shift()!;
          if (b.length > budget) b = b.subarray(0, budget);
          budget -= b.length;
          if (!out.write(b)) await new Promise<void>((r) => { out.once('drain', r); signal.addEventListener('abort', () => r(), { once: true }); });
          if (budget <= 0) { res.destroy(); return; }
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    }
  }

  async exec(containerId: string, cmd: string[], io: StreamIO, signal: AbortSignal): Promise<number> {
    const created = await this.docker.getContainer(containerId).exec({
      AttachStdin: !!io.stdin, AttachStdout: !!io.stdout, AttachStderr: !!io.stderr, Tty: !!io.tty, Cmd: cmd, abortSignal: deadline(),
    });
    // The engine reports a command it could not start (not found, not executable) as the first
    // output; the CRI reports it as an error, which is what kubectl shows.
    let startError: string | undefined;
    let first = true;
    const target = io.stdout;
    const stdout = target && new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (first) {
          first = false;
          const text = chunk.toString('utf8');
          if (text.startsWith('OCI runtime exec failed')) { startError = text.trim(); cb(); return; }
        }
        if (!target.destroyed && !target.writableEnded) target.write(chunk);
        cb();
      },
    });
    const conn = await created.start({ hijack: true, stdin: !!io.stdin, Detach: false, Tty: !!io.tty });
    await pump(conn, { ...io, ...(stdout ? { stdout } : {}) }, !!io.tty, signal, (size) => created.resize({ h: size.height, w: size.width }));
    // The stream ends a moment before the engine records the exit code.
    for (let i = 0; i < 250; i++) {
      const st = await created.inspect({ abortSignal: deadline() });
      if (!st.Running && st.ExitCode !== null) {
        if (startError && (st.ExitCode === 126 || st.ExitCode === 127)) {
          throw new Error(`failed to exec in container: failed to start exec "${created.id}": ${startError}`);
        }
        return st.ExitCode;
      }
      if (signal.aborted) return st.ExitCode ?? 137;
      await sleep(20);
    }
    throw new Error(`exec in container ${containerId}: no exit code after the stream ended`);
  }

  /** Attaches to the container's main process (its stdin, stdout, stderr) until it ends or the signal aborts. */
  async attach(containerId: string, io: StreamIO, signal: AbortSignal): Promise<void> {
    const container = this.docker.getContainer(containerId);
    const j = await container.inspect({ abortSignal: deadline() });
    if (!j.State.Running) throw new Error(`container ${containerId} is not running`);
    const conn = await attachContainer(this.docker, containerId, { stdin: !!io.stdin, stdout: !!io.stdout, stderr: !!io.stderr });
    await pump(conn, io, j.Config.Tty, signal, (size) => container.resize({ h: size.height, w: size.width }));
  }

  /**
   * Connects `socket` to 127.0.0.1:<port> inside the sandbox's network namespace, as upstream's
   * port-forward does (dockershim ran socat there): `nc` runs in the sandbox (a busybox image), so
   * servers bound to the pod's loopback are reachable too, and host-network pods work alike.
   */
  async portForward(sandboxId: string, port: number, socket: Duplex): Promise<void> {
    if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error(`invalid port ${port}`);
    const stderr = new PassThrough();
    const errText: Buffer[] = [];
    stderr.on('data', (b: Buffer) => errText.push(b));
    const ac = new AbortController();
    socket.once('close', () => ac.abort());
    // A client that resets the connection ends the forwarding, not the process.
    socket.on('error', () => ac.abort());
    let code: number;
    try {
      code = await this.exec(sandboxId, ['nc', '127.0.0.1', String(port)], { stdin: socket, stdout: socket, stderr }, ac.signal);
    } finally {
      if (!socket.destroyed) socket.end();
    }
    if (code !== 0 && !ac.signal.aborted) {
      const detail = Buffer.concat(errText).toString('utf8').trim();
      throw new Error(`error forwarding port ${port} to pod ${sandboxId}, uid : exit status ${code}${detail ? `: ${detail}` : ''}`);
    }
  }

  /** Docker's container events of this owner as PLEG events: sandboxes and containers created, started, ended, removed. */
  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    // From the moment of the call, so that nothing done right after it is missed.
    const since = Date.now() / 1000;
    let res: Readable;
    try {
      res = (await this.docker.getEvents({
        since, filters: { type: ['container'], label: [`${LABEL_OWNER}=${this.owner}`], event: ['create', 'start', 'die', 'destroy'] }, abortSignal: signal,
      })) as Readable;
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    }
    // One JSON document a line.
    const lines = createInterface({ input: res, crlfDelay: Infinity });
    const stop = () => lines.close();
    signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const line of lines) {
        if (!line.trim()) continue;
        const mapped = runtimeEventOf(JSON.parse(line) as DockerEvent);
        if (mapped) yield mapped;
      }
    } catch (e) {
      if (signal.aborted) return;
      throw e;
    } finally {
      signal.removeEventListener('abort', stop);
      lines.close();
      res.destroy();
    }
    if (!signal.aborted) throw new Error('the Docker engine closed its event stream');
  }
}

function sandboxOf(item: Docker.ContainerInfo): Sandbox {
  const labels = item.Labels ?? {};
  const hostNetwork = labels[LABEL_HOST_NETWORK] === 'true';
  const ip = labels[LABEL_POD_IP];
  return {
    id: item.Id, podUid: labels[LABEL_POD_UID] ?? '', podName: labels[LABEL_POD_NAME] ?? '', podNamespace: labels[LABEL_POD_NAMESPACE] ?? '',
    attempt: Number(labels[LABEL_ATTEMPT] ?? 0) || 0, state: item.State === 'running' ? 'ready' : 'notready',
    createdAt: item.Created * 1000, ips: !hostNetwork && ip ? [ip] : [], hostNetwork,
  };
}

function runtimeEventOf(ev: DockerEvent): RuntimeEvent | undefined {
  const labels = ev.Actor?.Attributes ?? {};
  const id = ev.Actor?.ID ?? '';
  const podUid = labels[LABEL_POD_UID];
  if (!id || podUid === undefined) return undefined;
  const sandbox = labels[LABEL_TYPE] === TYPE_SANDBOX;
  const type = sandbox
    ? ({ start: 'SandboxReady', die: 'SandboxStopped', destroy: 'SandboxRemoved' } as const)[ev.Action as 'start' | 'die' | 'destroy']
    : ({ create: 'ContainerCreated', start: 'ContainerStarted', die: 'ContainerDied', destroy: 'ContainerRemoved' } as const)[ev.Action as 'create' | 'start' | 'die' | 'destroy'];
  return type ? { type, podUid, id } : undefined;
}

/** "busybox:1.36" as containerd names it: docker.io/library/busybox:1.36. */
function normalizedName(ref: string): string {
  const first = ref.split('/')[0]!;
  const hasRegistry = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return ref;
  return `docker.io/${ref.includes('/') ? ref : `library/${ref}`}`;
}

/**
 * Whether this machine lets containers lower their OOM score: CAP_SYS_RESOURCE (bit 24) in the
 * capability bounding set, which the engine, on the same machine, shares. Some sandboxes drop it.
 */
function mayLowerOomScore(): boolean {
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return !m || (BigInt(`0x${m[1]}`) & (1n << 24n)) !== 0n;
  } catch {
    return true;
  }
}

/** The last `max` bytes of a file. */
function readTail(file: string, max: number): string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, max);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs a hijacked exec / attach connection: stdin into it (its end half-closes the connection, which
 * the engine passes on as EOF), its output out — raw with a TTY, demultiplexed without — and
 * terminal resizes, until the engine ends the stream or the signal aborts.
 */
async function pump(
  socket: Duplex, io: StreamIO, tty: boolean, signal: AbortSignal, resize: (size: { width: number; height: number }) => Promise<unknown>,
): Promise<void> {
  const write = (w: Writable | undefined, b: Buffer) => { if (w && !w.destroyed && !w.writableEnded) w.write(b); };
  const demux = new Demuxer((kind, payload) => write(kind === 'stderr' ? io.stderr : io.stdout, payload));
  const onData = (b: Buffer) => (tty ? write(io.stdout, b) : demux.push(b));
  const stdin = io.stdin;
  const onStdin = (b: Buffer) => { if (!socket.destroyed && socket.writable) socket.write(b); };
  const onStdinEnd = () => { if (!socket.destroyed && socket.writable) socket.end(); };
  if (stdin) {
    stdin.on('data', onStdin);
    stdin.once('end', onStdinEnd);
  }
  let resizing = true;
  if (io.resize) {
    void (async () => {
      try {
        for await (const size of io.resize!) {
          if (!resizing) break;
          await resize(size).catch(() => {}); // the process may have ended meanwhile
        }
      } catch { /* the resize stream ended badly: nothing to resize any more */ }
    })();
  }
  try {
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      socket.on('data', onData);
      socket.once('end', done);
      socket.once('close', done);
      socket.once('error', done);
      if (signal.aborted) done();
      signal.addEventListener('abort', done, { once: true });
    });
  } finally {
    resizing = false;
    if (stdin) {
      stdin.off('data', onStdin);
      stdin.off('end', onStdinEnd);
    }
    socket.off('data', onData);
    if (!socket.destroyed) socket.destroy();
  }
}

/** Whether the Docker engine answers on `socketPath` (default /var/run/docker.sock). */
export async function dockerAvailable(socketPath?: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const agent = new http.Agent({ keepAlive: true });
  try {
    await pingEngine(dockerClient({ socketPath, agent }), 3_000);
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: errorMessage(e) };
  } finally {
    agent.destroy();
  }
}

