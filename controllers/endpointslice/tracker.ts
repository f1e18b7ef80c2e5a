// Upstream EndpointSliceTracker (k8s.io/endpointslice/util): the generation this controller last
// wrote for each of a service's slices (or that it expects one gone), so that a sync can tell an
// informer cache that has not caught up with our own writes (and retry instead of acting on it),
// and so that the events of our own writes do not wake the service again.
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { SERVICE_NAME_LABEL } from './reconciler.ts';

const DELETION_EXPECTED = -1;

const serviceKeyOf = (slice: V1EndpointSlice) => `${slice.metadata?.namespace ?? ''}/${slice.metadata?.labels?.[SERVICE_NAME_LABEL] ?? ''}`;
const uidOf = (o: { metadata?: { uid?: string } }) => o.metadata?.uid ?? '';
const generationOf = (slice: V1EndpointSlice) => slice.metadata?.generation ?? 0;

export class EndpointSliceTracker {
  /** service key → slice UID → generation (DELETION_EXPECTED for a slice we deleted). */
  private readonly generations = new Map<string, Map<string, number>>();
  private readonly serviceUIDs = new Map<string, string>();

  private forSlice(slice: V1EndpointSlice, create: boolean): Map<string, number> | undefined {
    const key = serviceKeyOf(slice);
    let g = this.generations.get(key);
    if (!g && create) this.generations.set(key, (g = new Map()));
    return g;
  }

  has(slice: V1EndpointSlice): boolean {
    return this.forSlice(slice, false)?.has(uidOf(slice)) ?? false;
  }

  /** True unless we wrote this slice at this generation or later. */
  shouldSync(slice: V1EndpointSlice): boolean {
    const g = this.forSlice(slice, false)?.get(uidOf(slice));
    return g === undefined || generationOf(slice) > g;
  }

  /**
   * True when the cache lags behind our writes for this service: a slice older than we wrote it,
   * one we deleted still there, or one we wrote missing. Writes for an earlier Service of the same
   * name (another UID) are forgotten.
   */
  staleSlices(svc: V1Service, slices: V1EndpointSlice[]): boolean {
    const key = `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
    const uid = uidOf(svc);
    const tracked = this.serviceUIDs.get(key);
    if (tracked && uid && tracked !== uid) this.generations.delete(key);
    this.serviceUIDs.set(key, uid);
    const g = this.generations.get(key);
    if (!g) return false;
    const seen = new Set<string>();
    for (const s of slices) {
      seen.add(uidOf(s));
      const want = g.get(uidOf(s));
      if (want !== undefined && (want === DELETION_EXPECTED || want > generationOf(s))) return true;
    }
    for (const [sliceUID, want] of g) if (want !== DELETION_EXPECTED && !seen.has(sliceUID)) return true;
    return false;
  }

  update(slice: V1EndpointSlice): void {
    this.forSlice(slice, true)!.set(uidOf(slice), generationOf(slice));
  }

  expectDeletion(slice: V1EndpointSlice): void {
    this.forSlice(slice, true)!.set(uidOf(slice), DELETION_EXPECTED);
  }

  /** Forgets a deleted slice; false when we did not expect it to go. */
  handleDeletion(slice: V1EndpointSlice): boolean {
    const g = this.forSlice(slice, false);
    if (!g) return true;
    const want = g.get(uidOf(slice));
    g.delete(uidOf(slice));
    return want === undefined || want === DELETION_EXPECTED;
  }

  deleteService(namespace: string, name: string): void {
    this.generations.delete(`${namespace}/${name}`);
    this.serviceUIDs.delete(`${namespace}/${name}`);
  }
}
