// What a volume plugin gets to set a volume up, and what it gives back. Plugins live one to a file
// beside this one (emptydir, configmap, secret, downwardapi, projected, hostpath, pvc), as
// upstream's pkg/volume/<plugin>.
import path from 'node:path';
import type { V1Pod, V1Volume } from '@kubernetes/client-node';
import type { RestClient } from '../../client/index.ts';
import type { FieldRefContext } from '../env.ts';
import type { ObjectManager } from '../objectmanager.ts';
import type { TokenManager } from './tokens.ts';

/** A volume ready for bind mounts: where it is on the host. */
export interface MountedVolume {
  hostPath: string;
  /** The plugin mounts it read-only whatever the volumeMount says (configMap, secret, …). */
  readOnly: boolean;
  /** A tmpfs the kubelet mounted, to unmount on teardown. */
  tmpfs?: boolean;
}

/** Why a volume could not be set up; the message is what upstream's FailedMount event says after the prefix. */
export class VolumeError extends Error {
  /** PVC problems read "Unable to attach or mount volumes: …" rather than "MountVolume.SetUp failed …". */
  constructor(message: string, readonly processing = false) {
    super(message);
  }
}

export interface VolumeContext {
  pod: V1Pod;
  /** `<root>/pods/<uid>`. */
  podDir: string;
  objects: ObjectManager;
  rest: RestClient;
  tokens: TokenManager;
  fieldRef: FieldRefContext;
  nodeAllocatable: Record<string, string>;
  /** pod.spec.securityContext.fsGroup. */
  fsGroup?: number;
  /** Running as root: tmpfs mounts and chown are possible. */
  root: boolean;
  now(): number;
  signal: AbortSignal;
  /** Tells the pod worker to come back by then (a token to rotate), epoch ms. */
  refreshBy(at: number): void;
}

/** Upstream's volume directory: `<pod dir>/volumes/kubernetes.io~<plugin>/<name>`. */
export const volumeDir = (ctx: VolumeContext, plugin: string, v: V1Volume): string =>
  path.join(ctx.podDir, 'volumes', `kubernetes.io~${plugin}`, v.name);

/** corev1's default file mode for configMap, secret, downwardAPI and projected volumes (0644). */
export const DEFAULT_MODE = 0o644;

export const modeOf = (m: number | undefined | null, fallback: number): number => (m === undefined || m === null ? fallback : m) & 0o777;
