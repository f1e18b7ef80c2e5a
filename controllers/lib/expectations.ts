// Controller expectations (upstream pkg/controller ControllerExpectations): after a controller
// asks for N creations or deletions, it must not act on the same owner again until its informers
// have seen them, or it would create twice from a stale cache. Each expectation expires after
// five minutes so that a watch event lost for good cannot wedge an owner forever.

export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Expectation { add: number; del: number; setAt: number; deleting: Set<string> }

export class ControllerExpectations {
  private readonly byKey = new Map<string, Expectation>();
  constructor(private readonly now: () => number = Date.now, private readonly timeoutMs = EXPECTATIONS_TIMEOUT_MS) {}

  /** True when the controller may act on `key`: nothing expected, all observed, or expired. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    return (e.add <= 0 && e.del <= 0) || this.now() - e.setAt > this.timeoutMs;
  }

  /** Records that `adds` creations are on their way (replacing what was expected before). */
  expectCreations(key: string, adds: number): void {
    this.byKey.set(key, { add: adds, del: 0, setAt: this.now(), deleting: new Set() });
  }

  /** Records the deletions on their way, by the UIDs of the objects (a deletion seen twice counts once). */
  expectDeletions(key: string, uids: string[]): void {
    this.byKey.set(key, { add: 0, del: uids.length, setAt: this.now(), deleting: new Set(uids) });
  }

  /** A creation the controller asked for will never be seen (the create failed). */
  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.add--;
  }

  /** An object of this owner was seen deleted or terminating: counts once per UID. */
  deletionObserved(key: string, uid?: string): void {
    const e = this.byKey.get(key);
    if (!e) return;
    if (uid !== undefined) {
      if (!e.deleting.delete(uid)) return;
    }
    e.del--;
  }

  /** The owner is gone: forget it. */
  forget(key: string): void {
    this.byKey.delete(key);
  }
}
