// The volume manager: a pod's volumes on the host under the kubelet's root directory, upstream's
// layout (`<root>/pods/<uid>/volumes/kubernetes.io~<plugin>/<name>`, `…/containers/<name>/<id>`
// for termination messages, `…/etc-hosts`). Each pod sync sets the volumes up: emptyDir, hostPath
// and PVC once, the atomic-writer ones (configMap, secret, downwardAPI, projected) every time so
// that changes propagate. A volume a container mounts that was never set up blocks the pod's
// containers (they stay ContainerCreating) and is reported as FailedMount; a later failure to
// refresh a volume is reported and the containers keep running, as upstream.
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import type { V1Pod, V1Volume } from '@kubernetes/client-node';
import type { RestClient } from '../../client/index.ts';
import type { FieldRefContext } from '../env.ts';
import type { ObjectManager } from '../objectmanager.ts';
import { setUpConfigMap } from './configmap.ts';
import { setUpDownwardAPI } from './downwardapi.ts';
import { isMountPoint, setUpEmptyDir, unmount } from './emptydir.ts';
import { setUpHostPath } from './hostpath.ts';
import { setUpProjected } from './projected.ts';
import { setUpPVC } from './pvc.ts';
import { setUpSecret } from './secret.ts';
import { TokenManager } from './tokens.ts';
import { VolumeError, type MountedVolume, type VolumeContext } from './types.ts';

export interface VolumeManagerOptions {
  rootDir: string;
  objects: ObjectManager;
  rest: RestClient;
  tokens?: TokenManager;
  log(msg: string): void;
  now?: () => number;
  /** Default: whether this process runs as root. */
  root?: boolean;
  /** The cluster DNS domain for /etc/hosts entries of pods with a subdomain. */
  clusterDomain?: string;
}

export interface VolumeFailure {
  volume: string;
  /** The FailedMount event's message. */
  message: string;
}

export interface PodVolumes {
  volumes: Map<string, MountedVolume>;
  failures: VolumeFailure[];
  /** Volumes containers mount that were never set up: no container may start yet. */
  blocking: string[];
  /** Come back by then (epoch ms) to renew a projected token. */
  refreshAt?: number;
}

/** Volumes set up once; the others are rewritten on every sync. */
const isStatic = (v: V1Volume) => !!(v.emptyDir || v.hostPath || v.persistentVolumeClaim);

const pluginOf = (v: V1Volume) =>
  v.emptyDir ? 'emptyDir' : v.hostPath ? 'hostPath' : v.persistentVolumeClaim ? 'persistentVolumeClaim' : v.configMap ? 'configMap'
    : v.secret ? 'secret' : v.downwardAPI ? 'downwardAPI' : v.projected ? 'projected'
      : Object.keys(v).find((k) => k !== 'name') ?? 'unknown';

/** The volume names a pod's containers mount. */
function mountedByContainers(pod: V1Pod): Set<string> {
  const out = new Set<string>();
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) for (const m of c.volumeMounts ?? []) out.add(m.name);
  return out;
}

const MANAGED_HOSTS_HEADER = '# Kubernetes-managed hosts file.\n';
const MANAGED_HOSTS_HEADER_HOST_NETWORK = '# Kubernetes-managed hosts file (host network).\n';
/** Upstream's MaxContainerTerminationMessageLength. */
export const MAX_TERMINATION_MESSAGE_BYTES = 4096;

export class VolumeManager {
  readonly tokens: TokenManager;
  private readonly mounted = new Map<string, Map<string, MountedVolume>>();
  private readonly root: boolean;
  private readonly now: () => number;
  private readonly warned = new Set<string>();

  constructor(private readonly o: VolumeManagerOptions) {
    this.tokens = o.tokens ?? TokenManager.forRest(o.rest);
    this.root = o.root ?? process.getuid?.() === 0;
    this.now = o.now ?? Date.now;
  }

  get rootDir(): string {
    return this.o.rootDir;
  }

  podDir(uid: string): string {
    return path.join(this.o.rootDir, 'pods', uid);
  }

  async setUp(pod: V1Pod, env: { fieldRef: FieldRefContext; nodeAllocatable: Record<string, string> }, signal: AbortSignal): Promise<PodVolumes> {
    const uid = pod.metadata?.uid ?? '';
    const podDir = this.podDir(uid);
    await fs.mkdir(path.join(podDir, 'volumes'), { recursive: true, mode: 0o750 });
    let mounted = this.mounted.get(uid);
    if (!mounted) this.mounted.set(uid, (mounted = new Map()));
    const result: PodVolumes = { volumes: new Map(), failures: [], blocking: [] };
    const fsGroup = pod.spec?.securityContext?.fsGroup;
    const ctx: VolumeContext = {
      pod, podDir, objects: this.o.objects, rest: this.o.rest, tokens: this.tokens, fieldRef: env.fieldRef, nodeAllocatable: env.nodeAllocatable,
      ...(fsGroup !== undefined && fsGroup !== null ? { fsGroup } : {}), root: this.root, now: this.now, signal,
      refreshBy: (at) => { result.refreshAt = Math.min(result.refreshAt ?? Infinity, at); },
    };
    const needed = mountedByContainers(pod);
    const processingErrors: Array<{ volume: string; message: string }> = [];
    for (const v of pod.spec?.volumes ?? []) {
      const done = mounted.get(v.name);
      if (done && isStatic(v)) { result.volumes.set(v.name, done); continue; }
      try {
        const mv = await this.setUpOne(ctx, v);
        mounted.set(v.name, mv);
        result.volumes.set(v.name, mv);
      } catch (e) {
        const message = (e as Error)?.message ?? String(e);
        if (done) result.volumes.set(v.name, done);
        else if (needed.has(v.name)) result.blocking.push(v.name);
        if (e instanceof VolumeError && e.processing) processingErrors.push({ volume: v.name, message });
        else result.failures.push({ volume: v.name, message: `MountVolume.SetUp failed for volume "${v.name}" : ${message}` });
      }
    }
    if (processingErrors.length) {
      // Upstream's volume manager reports claims it cannot resolve in one message for the pod.
      const unmounted = [...result.blocking].sort();
      const failed = processingErrors.map((p) => p.volume).sort();
      result.failures.push({
        volume: failed.join(','),
        message: `Unable to attach or mount volumes: unmounted volumes=[${unmounted.join(' ')}], unattached volumes=[${failed.join(' ')}], failed to process volumes=[${failed.join(' ')}]: ${processingErrors.map((p) => p.message).join('; ')}`,
      });
    }
    return result;
  }

  private async setUpOne(ctx: VolumeContext, v: V1Volume): Promise<MountedVolume> {
    if (v.emptyDir) {
      return setUpEmptyDir(ctx, v, (msg) => {
        if (this.warned.has(`${ctx.pod.metadata?.uid}/${v.name}`)) return;
        this.warned.add(`${ctx.pod.metadata?.uid}/${v.name}`);
        this.o.log(msg);
      });
    }
    if (v.hostPath) return setUpHostPath(v);
    if (v.persistentVolumeClaim) return setUpPVC(ctx, v);
    if (v.configMap) return setUpConfigMap(ctx, v);
    if (v.secret) return setUpSecret(ctx, v);
    if (v.downwardAPI) return setUpDownwardAPI(ctx, v);
    if (v.projected) return setUpProjected(ctx, v);
    throw new VolumeError(`no volume plugin matched: this kubelet cannot mount ${pluginOf(v)} volumes`);
  }

  /** Unmounts what the kubelet mounted and removes the pod's directory. */
  async tearDown(uid: string): Promise<void> {
    const dir = this.podDir(uid);
    const emptyDirs = path.join(dir, 'volumes', 'kubernetes.io~empty-dir');
    try {
      for (const name of await fs.readdir(emptyDirs)) {
        const p = path.join(emptyDirs, name);
        if (isMountPoint(p)) await unmount(p).catch((e: unknown) => this.o.log(`kubelet: cannot unmount ${p}: ${(e as Error).message}`));
      }
    } catch { /* no emptyDirs */ }
    this.mounted.delete(uid);
    this.tokens.forgetPod(uid);
    for (const k of [...this.warned]) if (k.startsWith(`${uid}/`)) this.warned.delete(k);
    if (isMountPointUnder(dir)) {
      this.o.log(`kubelet: pod directory ${dir} still has mounts; left in place`);
      return;
    }
    await fs.rm(dir, { recursive: true, force: true });
  }

  /** Pod directories whose pods are gone (a kubelet restart, a missed deletion) are torn down. */
  async cleanupOrphans(active: ReadonlySet<string>): Promise<void> {
    let uids: string[];
    try { uids = await fs.readdir(path.join(this.o.rootDir, 'pods')); } catch { return; }
    for (const uid of uids) if (!active.has(uid)) await this.tearDown(uid);
  }

  /**
   * The kubelet-managed /etc/hosts (upstream's ensureHostsFile): localhost entries, the pod's own
   * addresses with its hostname (FQDN first when it has a subdomain), then hostAliases; a
   * host-network pod gets the node's file with a header.
   */
  async writeEtcHosts(pod: V1Pod, podIPs: string[]): Promise<string> {
    const file = path.join(this.podDir(pod.metadata?.uid ?? ''), 'etc-hosts');
    const aliases = pod.spec?.hostAliases ?? [];
    const aliasLines = aliases.length ? `\n# Entries added by HostAliases.\n${aliases.map((a) => `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`).join('')}` : '';
    let content: string;
    if (pod.spec?.hostNetwork) {
      let node = '';
      try { node = readFileSync('/etc/hosts', 'utf8'); } catch { /* none */ }
      content = MANAGED_HOSTS_HEADER_HOST_NETWORK + node + aliasLines;
    } else {
      const hostname = podHostname(pod);
      const domain = pod.spec?.subdomain ? `${pod.spec.subdomain}.${pod.metadata?.namespace}.svc.${this.o.clusterDomain ?? 'cluster.local'}` : '';
      content = MANAGED_HOSTS_HEADER
        + '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n'
        + podIPs.map((ip) => (domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`)).join('')
        + aliasLines;
    }
    await fs.mkdir(path.dirname(file), { recursive: true });
    // Rewritten in place (containers bind-mount this inode) and only when it changes, so that a
    // container starting never truncates the file under one already running.
    const current = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (current !== content) await fs.writeFile(file, content, { mode: 0o644 });
    await fs.chmod(file, 0o644);
    return file;
  }

  /**
   * The host file behind a container's terminationMessagePath (`<pod>/containers/<name>/<id>`,
   * mode 0666, emptied): upstream names it with 8 random hex digits; here they are the attempt's,
   * so that the kubelet finds the file of any attempt again.
   */
  terminationMessageFile(uid: string, containerName: string, attempt: number): string {
    return path.join(this.podDir(uid), 'containers', containerName, attempt.toString(16).padStart(8, '0'));
  }

  async createTerminationMessageFile(uid: string, containerName: string, attempt: number): Promise<string> {
    const file = this.terminationMessageFile(uid, containerName, attempt);
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o750 });
    await fs.writeFile(file, '', { mode: 0o666 });
    await fs.chmod(file, 0o666);
    return file;
  }

  /** The last 4096 bytes the container wrote there (tail.ReadAtMost); undefined when there is no file. */
  async readTerminationMessage(uid: string, containerName: string, attempt: number): Promise<string | undefined> {
    const file = this.terminationMessageFile(uid, containerName, attempt);
    try {
      const data = await fs.readFile(file);
      return data.subarray(Math.max(0, data.length - MAX_TERMINATION_MESSAGE_BYTES)).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

/** Any mount point at or below `dir`. */
function isMountPointUnder(dir: string): boolean {
  try {
    return readFileSync('/proc/mounts', 'utf8').split('\n').some((line) => {
      const p = line.split(' ')[1] ?? '';
      return p === dir || p.startsWith(`${dir}/`);
    });
  } catch {
    return false;
  }
}

/** The pod's hostname: spec.hostname or its name, at most 63 characters (upstream's truncation). */
export function podHostname(pod: V1Pod): string {
  const h = pod.spec?.hostname || pod.metadata?.name || '';
  return h.length <= 63 ? h : h.slice(0, 63).replace(/[-.]+$/, '');
}
