// Job tracking with finalizers (upstream pkg/controller/job/tracking_utils.go): every pod of a Job
// carries batch.kubernetes.io/job-tracking until the controller has counted it in the Job's
// status, so a finished pod cannot vanish uncounted. The controller remembers which pods it has
// asked to drop the finalizer until its informer shows them without it.
import type { V1Pod } from '@kubernetes/client-node';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';

export const hasTrackingFinalizer = (pod: V1Pod): boolean => (pod.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);

/** The strategic merge patch that drops the tracking finalizer (and nothing else). */
export const removeTrackingFinalizerPatch = { metadata: { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] } };

/** Pod UIDs, per Job key, whose finalizer removal has been asked for and not yet seen. */
export class FinalizerExpectations {
  private readonly byKey = new Map<string, Set<string>>();

  expectRemoved(key: string, uids: readonly string[]): void {
    let s = this.byKey.get(key);
    if (!s) this.byKey.set(key, (s = new Set()));
    for (const u of uids) s.add(u);
  }

  removalObserved(key: string, uid: string): void {
    this.byKey.get(key)?.delete(uid);
  }

  expected(key: string): ReadonlySet<string> {
    return new Set(this.byKey.get(key) ?? []);
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }
}
