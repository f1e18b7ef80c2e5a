// Serving custom resources: every API server process watches CustomResourceDefinitions and
// (re)registers the resources they define, so a CRD created through any replica is served by
// all of them within moments. It also does the apiextensions controllers' work: it marks a
// CRD Established and NamesAccepted, and when a CRD is deleted it deletes its custom objects
// and then releases the CRD's cleanup finalizer.
import * as errors from '../../machinery/errors.ts';
import { isStorageError, type Store } from '../../storage/store.ts';
import type { AnyResource, KubeObject } from '../apis/types.ts';
import { CRD_CLEANUP_FINALIZER, type CustomResourceDefinition } from '../apis/apiextensions/v1/customresourcedefinitions.ts';
import type { GenericRegistry } from '../registry/generic.ts';
import { rfc3339 } from '../registry/generic.ts';
import { customResourceDefs } from './customresources.ts';

export interface CRDHost {
  register(def: AnyResource): GenericRegistry;
  unregister(def: AnyResource): void;
  registry(group: string, version: string, plural: string): GenericRegistry | undefined;
}

export class CRDController {
  private readonly served = new Map<string, AnyResource[]>();
  private readonly ac = new AbortController();

  constructor(private readonly host: CRDHost, private readonly store: Store, private readonly crds: GenericRegistry, private readonly log: (m: string) => void) {}

  /** Serves the CRDs that exist now, then follows changes in the background. */
  async start(): Promise<void> {
    const list = await this.crds.list('', {});
    for (const crd of list.items) await this.reconcile(crd as CustomResourceDefinition);
    void this.follow(BigInt(list.resourceVersion));
  }

  stop(): void {
    this.ac.abort();
  }

  private async follow(fromRV: bigint): Promise<void> {
    let rv = fromRV;
    while (!this.ac.signal.aborted) {
      try {
        for await (const ev of this.store.watch(this.crds.prefix(''), rv, { signal: this.ac.signal })) {
          rv = ev.rv;
          if (ev.type === 'DELETED') this.unserve((ev.obj?.metadata?.name as string) ?? '');
          else if (ev.obj) await this.reconcile(this.crds.withTypeMeta(ev.obj) as CustomResourceDefinition);
        }
      } catch (e) {
        if (this.ac.signal.aborted) return;
        if (isStorageError(e, 'Expired')) {
          const list = await this.crds.list('', {}).catch(() => undefined);
          if (list) {
            for (const crd of list.items) await this.reconcile(crd as CustomResourceDefinition);
            rv = BigInt(list.resourceVersion);
          }
        } else {
          this.log(`crd controller: ${String(e)}`);
        }
        await new Promise((r) => setTimeout(r, 500).unref());
      }
    }
  }

  private unserve(name: string): void {
    for (const def of this.served.get(name) ?? []) this.host.unregister(def);
    this.served.delete(name);
  }

  private async reconcile(crd: CustomResourceDefinition): Promise<void> {
    const name = crd.metadata?.name ?? '';
    try {
      if (crd.metadata?.deletionTimestamp) {
        await this.cleanup(crd);
        return;
      }
      this.unserve(name);
      const defs = customResourceDefs(crd);
      for (const def of defs) this.host.register(def);
      this.served.set(name, defs);
      await this.markEstablished(crd);
    } catch (e) {
      this.log(`crd ${name}: ${String(e)}`);
    }
  }

  private async markEstablished(crd: CustomResourceDefinition): Promise<void> {
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    const now = rfc3339(new Date());
    await this.crds.update('', crd.metadata!.name!, (cur) => {
      const next = structuredClone(cur!) as CustomResourceDefinition;
      const conditions = (next.status?.conditions ?? []).filter((c) => c.type !== 'NamesAccepted' && c.type !== 'Established');
      conditions.push(
        { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: now },
        { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: now },
      );
      next.status = { ...next.status, conditions, acceptedNames: next.spec.names };
      return next as KubeObject;
    }, { subresource: 'status', fieldManager: 'kube-apiserver' });
  }

  /** Deletes every object of a deleted CRD, then lets the CRD go. */
  private async cleanup(crd: CustomResourceDefinition): Promise<void> {
    if (!(crd.metadata?.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) return;
    const storage = crd.spec.versions.find((v) => v.storage);
    const reg = storage && this.host.registry(crd.spec.group, storage.name, crd.spec.names.plural);
    if (reg) {
      const objects = await reg.list('', {});
      for (const o of objects.items) {
        await reg.delete(o.metadata?.namespace ?? '', o.metadata!.name!, { propagationPolicy: 'Background' }).catch((e) => {
          if (!errors.isStatusError(e, 'NotFound')) throw e;
        });
      }
    }
    this.unserve(crd.metadata!.name!);
    await this.crds.update('', crd.metadata!.name!, (cur) => {
      const next = structuredClone(cur!);
      next.metadata!.finalizers = (next.metadata!.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
      return next;
    }, { fieldManager: 'kube-apiserver' }).catch((e) => {
      if (!errors.isStatusError(e, 'NotFound')) throw e;
    });
  }
}
