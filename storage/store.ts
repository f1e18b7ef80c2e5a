// The storage contract: the only thing server/registry sees of the database. Shaped after
// upstream's storage.Interface (apiserver/pkg/storage/interfaces.go): objects under keys, one
// global resourceVersion (RV) as etcd's revision, compare-and-swap updates, and watches that
// replay the change log from any RV inside the compaction window.

/** A JSON object as stored; the store reads and writes only `metadata.resourceVersion` and `metadata.uid`. */
export interface StoredObject {
  metadata?: { resourceVersion?: string; uid?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** `/registry/<resource>/<namespace>/<name>`; a prefix ends with `/`. */
export type Key = string;
export type KeyPrefix = string;

export interface Stored {
  key: Key;
  rv: bigint;
  /** The object, its `metadata.resourceVersion` set to `rv`. */
  obj: StoredObject;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent {
  type: WatchEventType;
  /** The RV of this change; for a BOOKMARK, the RV every earlier event has been delivered up to. */
  rv: bigint;
  key: Key;
  /** The object after the change; for DELETED its last state, stamped with the deletion RV. */
  obj?: StoredObject;
  /** The object before the change (MODIFIED and DELETED), so selector watches can tell "stopped matching". */
  prevObj?: StoredObject;
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: bigint;
}

export type ResourceVersionMatch = 'NotOlderThan' | 'Exact';

export interface ListOptions {
  /** Unset: the most recent state (a consistent read). */
  resourceVersion?: bigint;
  resourceVersionMatch?: ResourceVersionMatch;
  limit?: number;
  /** An upstream-format continue token from an earlier page. */
  continue?: string;
  /** A filter applied inside the store, so `limit` counts matching items (upstream's SelectionPredicate). */
  predicate?: (obj: StoredObject) => boolean;
}

export interface ListResult {
  items: Stored[];
  /** The RV the whole list (every page of it) was read at. */
  rv: bigint;
  continue?: string;
  /** Set only when no predicate filtered the list, as upstream. */
  remainingItemCount?: number;
}

export interface WatchOptions {
  signal: AbortSignal;
  /** Yield a BOOKMARK this often while idle (upstream's progress notify). */
  bookmarkIntervalMs?: number;
  /** Yield a BOOKMARK whenever the watch has moved past other keys' changes (for watch caches). */
  progressNotify?: boolean;
}

export interface GuaranteedUpdateOptions {
  preconditions?: Preconditions;
  /** Treat a missing object as `undefined` current state instead of NotFound (create-on-update). */
  ignoreNotFound?: boolean;
}

/**
 * Computes the next state from the current one; `undefined` current means "does not exist"
 * (only with ignoreNotFound). Returning the current object unchanged writes nothing.
 * May throw (validation); the error propagates and nothing is written.
 */
export type TryUpdate = (current: Stored | undefined) => StoredObject | Promise<StoredObject>;

export interface Store {
  create(key: Key, obj: StoredObject): Promise<Stored>;
  get(key: Key): Promise<Stored>;
  list(prefix: KeyPrefix, opts?: ListOptions): Promise<ListResult>;
  guaranteedUpdate(key: Key, tryUpdate: TryUpdate, opts?: GuaranteedUpdateOptions): Promise<Stored>;
  /** Deletes and returns the object's last state (with its last RV); `validate` may veto with a throw. */
  delete(key: Key, opts?: { preconditions?: Preconditions; validate?: (current: Stored) => void }): Promise<Stored>;
  /** Every change under `prefix` after `fromRV`, in RV order, exactly once. Throws Expired when compacted. */
  watch(prefix: KeyPrefix, fromRV: bigint, opts: WatchOptions): AsyncIterable<WatchEvent>;
  /** An RV at or after every write acknowledged before the call, with nothing below it still in flight. */
  currentRV(): Promise<bigint>;
  /** The oldest RV a watch or an exact list can still start from. */
  compactedRV(): Promise<bigint>;
  /** Drops history at or below `rv` (keeping each key's state at `rv`); returns the RV compacted to. */
  compact(rv: bigint): Promise<bigint>;
  /** Number of live objects under a prefix (for quota and metrics). */
  count(prefix: KeyPrefix): Promise<number>;
  close(): Promise<void>;
}

export type StorageErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'            // compare-and-swap lost, or an RV precondition failed
  | 'InvalidObj'          // a uid precondition failed
  | 'Expired'             // the RV was compacted away
  | 'InvalidContinue'     // a continue token that does not parse or does not belong to the prefix
  | 'TooLargeResourceVersion'
  | 'WatchOverflow'       // the watcher fell too far behind and was closed; resume from its last RV
  | 'Unavailable';        // the database cannot be reached

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    readonly key: string,
    message?: string,
    /** For Expired on a continue: a token that resumes from the same key at a newer RV. */
    readonly continueToken?: string,
  ) {
    super(message ?? `${code}: ${key}`);
    this.name = 'StorageError';
  }
}

export const isStorageError = (e: unknown, code?: StorageErrorCode): e is StorageError =>
  e instanceof StorageError && (code === undefined || e.code === code);
