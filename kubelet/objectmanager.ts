// The ConfigMaps and Secrets pods on this kubelet use, kept current by one watch per referenced
// object (upstream's watch-based configmap / secret managers, pkg/kubelet/util/manager): a pod
// registers what it references when the kubelet first syncs it and unregisters when it goes; an
// object's watch lives while some pod references it. A change wakes the pods that use it, so
// that their volumes are rewritten at once (upstream waits for the next periodic sync).
import { setMaxListeners } from 'node:events';
import type { KubernetesObject, V1ConfigMap, V1Pod, V1Secret, V1Volume } from '@kubernetes/client-node';
import { Informer, isNotFound, listWatcherFor, type Resource, type RestClient } from '../client/index.ts';
import { configMaps, secrets } from '../client/resources.ts';
import { ObjectNotFoundError } from './env.ts';

export type ObjectKind = 'configmap' | 'secret';

interface Entry {
  kind: ObjectKind;
  namespace: string;
  name: string;
  informer: Informer<KubernetesObject>;
  stop: AbortController;
  pods: Set<string>;
}

export interface ObjectManagerOptions {
  rest: RestClient;
  signal: AbortSignal;
  /** The objects changed; these pods use one of them. */
  onChange(podUids: string[]): void;
  log(msg: string): void;
  /** How long a first read waits for a new watch's list before asking the API directly. */
  syncWaitMs?: number;
}

/** The ConfigMaps and Secrets a pod references: env, envFrom, and (with `volumes`) its volumes and projections. */
export function referencedObjects(pod: V1Pod, volumes: boolean): Array<{ kind: ObjectKind; name: string }> {
  const out = new Map<string, { kind: ObjectKind; name: string }>();
  const add = (kind: ObjectKind, name: string | undefined) => { if (name) out.set(`${kind}/${name}`, { kind, name }); };
  const spec = pod.spec;
  for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    for (const f of c.envFrom ?? []) { add('configmap', f.configMapRef?.name); add('secret', f.secretRef?.name); }
    for (const e of c.env ?? []) { add('configmap', e.valueFrom?.configMapKeyRef?.name); add('secret', e.valueFrom?.secretKeyRef?.name); }
  }
  if (volumes) {
    const fromVolume = (v: V1Volume) => {
      add('configmap', v.configMap?.name);
      add('secret', v.secret?.secretName);
      for (const s of v.projected?.sources ?? []) { add('configmap', s.configMap?.name); add('secret', s.secret?.name); }
    };
    for (const v of spec?.volumes ?? []) fromVolume(v);
  }
  return [...out.values()];
}

export class ObjectManager {
  private readonly entries = new Map<string, Entry>();
  private readonly byPod = new Map<string, string[]>();
  private readonly syncWaitMs: number;

  constructor(private readonly o: ObjectManagerOptions) {
    this.syncWaitMs = o.syncWaitMs ?? 5_000;
  }

  /** Starts watching what the pod references (and stops what it no longer does). */
  registerPod(pod: V1Pod, volumes: boolean): void {
    const uid = pod.metadata?.uid;
    const ns = pod.metadata?.namespace;
    if (!uid || !ns) return;
    const keys = referencedObjects(pod, volumes).map((r) => this.ensure(r.kind, ns, r.name, uid));
    for (const old of this.byPod.get(uid) ?? []) if (!keys.includes(old)) this.release(old, uid);
    this.byPod.set(uid, keys);
  }

  unregisterPod(uid: string): void {
    for (const key of this.byPod.get(uid) ?? []) this.release(key, uid);
    this.byPod.delete(uid);
  }

  getConfigMap(namespace: string, name: string): Promise<V1ConfigMap> {
    return this.get<V1ConfigMap>('configmap', configMaps, namespace, name);
  }

  getSecret(namespace: string, name: string): Promise<V1Secret> {
    return this.get<V1Secret>('secret', secrets, namespace, name);
  }

  /** Stops every watch (the kubelet is stopping). */
  stop(): void {
    for (const e of this.entries.values()) e.stop.abort();
    this.entries.clear();
    this.byPod.clear();
  }

  private async get<T extends KubernetesObject>(kind: ObjectKind, r: Resource<T>, namespace: string, name: string): Promise<T> {
    const e = this.entries.get(`${kind}/${namespace}/${name}`);
    if (e) {
      if (!e.informer.hasSynced()) {
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), this.syncWaitMs);
        await e.informer.waitForSync(AbortSignal.any([ac.signal, e.stop.signal]));
        clearTimeout(timer);
      }
      if (e.informer.hasSynced()) {
        const obj = e.informer.getByName(namespace, name);
        if (!obj) throw new ObjectNotFoundError(kind, name);
        return obj as T;
      }
    }
    // Not registered, or its watch has not listed yet: the API answers directly.
    try {
      return await this.o.rest.get(r, namespace, name, { signal: this.o.signal });
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(kind, name);
      throw err;
    }
  }

  private ensure(kind: ObjectKind, namespace: string, name: string, uid: string): string {
    const key = `${kind}/${namespace}/${name}`;
    let e = this.entries.get(key);
    if (!e) {
      const r = (kind === 'configmap' ? configMaps : secrets) as unknown as Resource<KubernetesObject>;
      const informer = new Informer<KubernetesObject>(listWatcherFor(this.o.rest, r, { namespace, fieldSelector: `metadata.name=${name}` }), {
        name: `kubelet-${key}`, log: this.o.log,
      });
      const stop = new AbortController();
      setMaxListeners(0, stop.signal);
      const entry: Entry = { kind, namespace, name, informer, stop, pods: new Set() };
      const changed = () => { if (entry.pods.size) this.o.onChange([...entry.pods]); };
      informer.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
      const signal = AbortSignal.any([stop.signal, this.o.signal]);
      informer.run(signal).catch((err: unknown) => this.o.log(`kubelet: watch of ${key} ended: ${(err as Error)?.message ?? String(err)}`));
      this.entries.set(key, (e = entry));
    }
    e.pods.add(uid);
    return key;
  }

  private release(key: string, uid: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.pods.delete(uid);
    if (e.pods.size === 0) {
      e.stop.abort();
      this.entries.delete(key);
    }
  }
}
