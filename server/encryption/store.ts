// The Store the API server uses when an encryption configuration is given: objects of the
// configured resources go to the real store sealed, and come back opened, so everything above
// (registries, watch caches, selectors) sees plain objects and everything below (SQL, the change
// log, NOTIFY) sees only envelopes. Upstream applies the same transformers in its etcd3 store,
// per resource (storage/etcd3/store.go with storage/value).
//
// An envelope travels through the store as a JSON string, so the raw row holds
// `"k8s:enc:aescbc:v1:key1:<base64>"`; the store keeps and returns any JSON value, stamps a
// resourceVersion only into objects, and reads metadata.uid only for uid preconditions, which
// are checked here instead for sealed keys.
import {
  StorageError, type GuaranteedUpdateOptions, type Key, type KeyPrefix, type ListOptions, type ListResult,
  type Preconditions, type Store, type Stored, type StoredObject, type WatchEvent, type WatchOptions,
} from '../../storage/store.ts';
import { encodeContinue } from '../../storage/codec.ts';
import { identityIndex, openEnvelope, type EncryptionConfig, type ResourceTransformer } from './config.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A value as the inner store holds it: an object in the clear, or an envelope string. */
type Raw = StoredObject | string;

export class EncryptingStore implements Store {
  private readonly byRoot = new Map<string, ResourceTransformer | undefined>();

  constructor(readonly inner: Store, private readonly config: EncryptionConfig) {}

  /** The transformer for a key `/registry/<group|core>/<resource>/…`, undefined when stored in the clear. */
  private transformerFor(key: string): ResourceTransformer | undefined {
    const parts = key.split('/', 4);
    if (parts.length < 4 || parts[1] !== 'registry') return undefined;
    const root = `${parts[2]}/${parts[3]}`;
    if (this.byRoot.has(root)) return this.byRoot.get(root);
    const t = this.config.transformerFor(parts[2] === 'core' ? '' : parts[2]!, parts[3]!);
    this.byRoot.set(root, t);
    return t;
  }

  /** What the inner store should keep for `obj` under `key`. */
  private seal(key: string, obj: StoredObject): StoredObject {
    const t = this.transformerFor(key);
    const first = t?.providers[0];
    if (!first || first.name === 'identity') return obj;
    return first.seal(enc.encode(plainText(obj)), key) as unknown as StoredObject;
  }

  /** Opens a value read from the inner store; `rv` is stamped as the store stamps plain objects. */
  private open(key: string, raw: Raw, rv: bigint | undefined): { obj: StoredObject; stale: boolean } {
    const t = this.transformerFor(key);
    if (typeof raw !== 'string') {
      if (!t) return { obj: raw, stale: false };
      // A value written in the clear (before encryption was configured, or by identity).
      const i = identityIndex(t);
      if (i < 0) throw new Error(`no matching prefix found (reading ${key})`);
      return { obj: raw, stale: i !== 0 };
    }
    if (!t) throw new Error(`identity transformer tried to read encrypted data (reading ${key})`);
    const opened = openEnvelope(t, raw, key);
    const obj = JSON.parse(dec.decode(opened.plain)) as StoredObject;
    if (rv !== undefined && obj.metadata && typeof obj.metadata === 'object') obj.metadata.resourceVersion = rv.toString();
    return { obj, stale: opened.stale };
  }

  private opened(s: Stored): Stored {
    if (typeof (s.obj as Raw) !== 'string' && !this.transformerFor(s.key)) return s;
    return { key: s.key, rv: s.rv, obj: this.open(s.key, s.obj, s.rv).obj };
  }

  /** Splits off a uid precondition, which the inner store cannot check on an envelope. */
  private splitPreconditions(key: string, pre: Preconditions | undefined): { inner: Preconditions | undefined; uid: string | undefined } {
    if (!pre?.uid || !this.transformerFor(key)) return { inner: pre, uid: undefined };
    const { uid, ...rest } = pre;
    return { inner: rest, uid };
  }

  private checkUid(key: string, obj: StoredObject, uid: string | undefined): void {
    if (uid === undefined) return;
    const actual = obj.metadata?.uid;
    if (actual !== uid) throw new StorageError('InvalidObj', key, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${actual ?? ''}`);
  }

  async create(key: Key, obj: StoredObject): Promise<Stored> {
    return this.opened(await this.inner.create(key, this.seal(key, obj)));
  }

  async get(key: Key): Promise<Stored> {
    return this.opened(await this.inner.get(key));
  }

  async list(prefix: KeyPrefix, opts: ListOptions = {}): Promise<ListResult> {
    const pred = opts.predicate;
    if (pred && this.sealsUnder(prefix)) return this.listFiltered(prefix, opts, pred);
    const res = await this.inner.list(prefix, opts);
    return { ...res, items: res.items.map((i) => this.opened(i)) };
  }

  /** Whether any key under `prefix` may hold envelopes. */
  private sealsUnder(prefix: KeyPrefix): boolean {
    const parts = prefix.split('/');
    return parts.length < 5 || parts[3] === '' ? true : this.transformerFor(prefix) !== undefined;
  }

  /**
   * A filtered list over sealed values. The inner store would run the predicate on envelopes it
   * cannot open (and AES-GCM needs each value's key to open it), so pages are read unfiltered
   * here and filtered opened, stopping at `limit` matches with a continue token after the last
   * match, in the store's own token format, at the same snapshot RV.
   */
  private async listFiltered(prefix: KeyPrefix, opts: ListOptions, pred: (o: StoredObject) => boolean): Promise<ListResult> {
    const limit = opts.limit && opts.limit > 0 ? opts.limit : undefined;
    const items: Stored[] = [];
    // An always-true predicate keeps the inner store from counting the remaining items.
    let page = await this.inner.list(prefix, { ...opts, predicate: () => true, ...(limit ? { limit: Math.max(limit, 100) } : {}) });
    for (;;) {
      for (const [i, item] of page.items.entries()) {
        const opened = this.opened(item);
        if (!pred(opened.obj)) continue;
        items.push(opened);
        if (limit !== undefined && items.length === limit) {
          const more = i < page.items.length - 1 || page.continue !== undefined;
          return { items, rv: page.rv, ...(more ? { continue: encodeContinue(item.key, prefix, page.rv) } : {}) };
        }
      }
      if (!page.continue) return { items, rv: page.rv };
      page = await this.inner.list(prefix, { continue: page.continue, predicate: () => true, ...(limit ? { limit: Math.max(limit - items.length, 100) } : {}) });
    }
  }

  async guaranteedUpdate(key: Key, tryUpdate: (cur: Stored | undefined) => StoredObject | Promise<StoredObject>, opts: GuaranteedUpdateOptions = {}): Promise<Stored> {
    if (!this.transformerFor(key)) return this.inner.guaranteedUpdate(key, tryUpdate, opts);
    const { inner, uid } = this.splitPreconditions(key, opts.preconditions);
    const stored = await this.inner.guaranteedUpdate(key, async (cur) => {
      if (!cur) return this.seal(key, await tryUpdate(undefined));
      const { obj, stale } = this.open(key, cur.obj, cur.rv);
      this.checkUid(key, obj, uid);
      const before = plainText(obj);
      const next = await tryUpdate({ key, rv: cur.rv, obj });
      // Unchanged and sealed with the current key: hand back the very envelope, so nothing is
      // written. A stale value is rewritten even when unchanged (upstream's GuaranteedUpdate).
      if (!stale && sameJSON(plainText(next), before)) return cur.obj;
      return this.seal(key, next);
    }, { ...opts, ...(inner ? { preconditions: inner } : {}) });
    return this.opened(stored);
  }

  async delete(key: Key, opts: { preconditions?: Preconditions; validate?: (current: Stored) => void } = {}): Promise<Stored> {
    if (!this.transformerFor(key)) return this.inner.delete(key, opts);
    const { inner, uid } = this.splitPreconditions(key, opts.preconditions);
    const validate = opts.validate;
    const gone = await this.inner.delete(key, {
      ...(inner ? { preconditions: inner } : {}),
      validate: (cur) => {
        const opened = this.opened(cur);
        this.checkUid(key, opened.obj, uid);
        validate?.(opened);
      },
    });
    return this.opened(gone);
  }

  async *watch(prefix: KeyPrefix, fromRV: bigint, opts: WatchOptions): AsyncGenerator<WatchEvent> {
    for await (const ev of this.inner.watch(prefix, fromRV, opts)) {
      const sealed = typeof (ev.obj as Raw | undefined) === 'string' || typeof (ev.prevObj as Raw | undefined) === 'string';
      if (!sealed) {
        yield ev;
        continue;
      }
      // Events are shared between watchers: a new one, never the old one changed.
      const out: WatchEvent = { type: ev.type, rv: ev.rv, key: ev.key };
      if (ev.obj !== undefined) out.obj = this.open(ev.key, ev.obj, ev.rv).obj;
      if (ev.prevObj !== undefined) out.prevObj = this.open(ev.key, ev.prevObj, undefined).obj;
      yield out;
    }
  }

  currentRV(): Promise<bigint> { return this.inner.currentRV(); }
  compactedRV(): Promise<bigint> { return this.inner.compactedRV(); }
  compact(rv: bigint): Promise<bigint> { return this.inner.compact(rv); }
  count(prefix: KeyPrefix): Promise<number> { return this.inner.count(prefix); }
  close(): Promise<void> { return this.inner.close(); }
}

/** The plaintext that gets sealed: the object as the store would keep it, without its RV. */
function plainText(obj: StoredObject): string {
  const meta = obj.metadata;
  return JSON.stringify(obj, function (this: unknown, key, value) {
    return key === 'resourceVersion' && this === meta ? undefined : value;
  });
}

/** Equal JSON texts regardless of object key order. */
function sameJSON(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return canonical(JSON.parse(a)) === canonical(JSON.parse(b));
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
