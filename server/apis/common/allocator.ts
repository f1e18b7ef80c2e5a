// Cluster-wide allocation of service cluster IPs and node ports, kept in the store so that every
// API server process sharing it agrees (upstream keeps one bitmap per range under
// /registry/ranges/* and swaps it with compare-and-swap; upstream's newer allocator keeps one
// IPAddress object per IP). Here each taken item is its own key —
// `/registry/ranges/serviceips/<ip>`, `/registry/ranges/servicenodeports/<port>` — written with
// the store's atomic create: of two concurrent creators of one key exactly one wins, in this
// process or any other, so no item is ever handed out twice. The value names its owner and
// carries the owner's uid as its own, so a release (a delete with a uid precondition) can only
// free what that owner holds, and an owner asking again for what it already holds (a retried
// update) gets it. A crash between taking an item and storing the object leaks the item until
// a repair pass (upstream's repair controllers) compares the keys with the services.
import { isStorageError, type Store } from '../../../storage/store.ts';

export interface AllocationOwner {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

/** What an allocation failure means, with upstream's messages (ipallocator / portallocator). */
export class AllocationError extends Error {
  constructor(readonly reason: 'NotInRange' | 'Allocated' | 'Full', message: string) {
    super(message);
  }
}

/** A contiguous range of items addressed by index: IPs of a CIDR, or a port range. */
export interface AllocationRange {
  /** Store key prefix, ending in `/`. */
  prefix: string;
  size: number;
  /** Dynamic allocation prefers indexes from here up, leaving the low band for static requests (upstream's range offset). */
  offset: number;
  item(index: number): string;
  /** The index of an item, or undefined when it lies outside the range. */
  indexOf(item: string): number | undefined;
  notInRange(item: string): AllocationError;
  /** Upstream's ErrAllocated text for this kind of item. */
  allocatedMessage: string;
}

const ipToInt = (ip: string): number | undefined => {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
};
const intToIP = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** Upstream's calculateRangeOffset: min(max(min, size/step), max), 0 for tiny ranges. */
function rangeOffset(size: number, min: number, max: number, step: number): number {
  if (size <= min) return 0;
  return Math.min(Math.max(Math.floor(size / step), min), max);
}

/** The IPv4 addresses of a CIDR minus its network and broadcast addresses, as upstream's ipallocator. */
export function ipv4Range(cidr: string, prefix = '/registry/ranges/serviceips/'): AllocationRange {
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const cidrSize = 2 ** (32 - bits);
  const network = ipToInt(net!)!;
  const base = network + 1;
  const size = Math.max(cidrSize - 2, 0);
  return {
    prefix, size,
    offset: rangeOffset(cidrSize, 16, 256, 16),
    item: (i) => intToIP(base + i),
    indexOf(ip) {
      const n = ipToInt(ip);
      if (n === undefined || n < base || n >= base + size) return undefined;
      return n - base;
    },
    notInRange: (ip) => new AllocationError('NotInRange', `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr}`),
    allocatedMessage: 'provided IP is already allocated',
  };
}

/** The ports first..last inclusive, as upstream's portallocator. */
export function portRange(first: number, last: number, prefix = '/registry/ranges/servicenodeports/'): AllocationRange {
  const size = last - first + 1;
  return {
    prefix, size,
    offset: rangeOffset(size, 16, 128, 32),
    item: (i) => String(first + i),
    indexOf(port) {
      const n = Number(port);
      if (!Number.isInteger(n) || n < first || n > last) return undefined;
      return n - first;
    },
    notInRange: () => new AllocationError('NotInRange', `provided port is not in the valid range. The range of valid ports is ${first}-${last}`),
    allocatedMessage: 'provided port is already allocated',
  };
}

interface AllocationRecord {
  metadata: { name: string; uid: string };
  owner: AllocationOwner;
}

/** Allocation over one range; every method is safe to run concurrently from many processes. */
export class KeyedAllocator {
  constructor(private readonly store: Store, readonly range: AllocationRange, private readonly random: () => number = Math.random) {}

  private key(item: string): string {
    return this.range.prefix + item;
  }

  /** The owner of an item, if taken. */
  async ownerOf(item: string): Promise<AllocationOwner | undefined> {
    try {
      return ((await this.store.get(this.key(item))).obj as unknown as AllocationRecord).owner;
    } catch (e) {
      if (isStorageError(e, 'NotFound')) return undefined;
      throw e;
    }
  }

  /**
   * Takes one item for `owner`. Resolves true when this call took it, false when the owner
   * already held it; rejects with NotInRange or Allocated. A dry run only checks.
   */
  async allocate(item: string, owner: AllocationOwner, dryRun = false): Promise<boolean> {
    if (this.range.indexOf(item) === undefined) throw this.range.notInRange(item);
    const taken = await this.tryTake(item, owner, dryRun);
    if (taken === 'other') throw new AllocationError('Allocated', this.range.allocatedMessage);
    return taken === 'taken';
  }

  /** Takes some free item, preferring the dynamic band above the range offset; rejects with Full. */
  async allocateNext(owner: AllocationOwner, dryRun = false): Promise<string> {
    const { size, offset } = this.range;
    if (size === 0) throw new AllocationError('Full', 'range is full');
    const dynamic = size - offset;
    // A few random probes settle almost every request in one round trip.
    for (let attempt = 0; attempt < 3; attempt++) {
      const index = dynamic > 0 ? offset + Math.floor(this.random() * dynamic) : Math.floor(this.random() * size);
      const item = this.range.item(index);
      if ((await this.tryTake(item, owner, dryRun)) === 'taken') return item;
    }
    // Then a scan over what the store says is taken: upper band from a random start, then the lower band.
    const used = await this.allocatedIndexes();
    const start = dynamic > 0 ? offset + Math.floor(this.random() * dynamic) : 0;
    const order = function* (): Generator<number> {
      for (let i = 0; i < dynamic; i++) yield offset + ((start - offset + i) % dynamic);
      for (let i = 0; i < offset; i++) yield i;
    };
    for (const index of order()) {
      if (used.has(index)) continue;
      const item = this.range.item(index);
      if ((await this.tryTake(item, owner, dryRun)) === 'taken') return item;
      used.add(index);
    }
    throw new AllocationError('Full', 'range is full');
  }

  /** Frees an item if `owner` holds it; a no-op otherwise. */
  async release(item: string, owner: AllocationOwner): Promise<void> {
    try {
      await this.store.delete(this.key(item), { preconditions: { uid: owner.uid } });
    } catch (e) {
      if (isStorageError(e, 'NotFound') || isStorageError(e, 'InvalidObj') || isStorageError(e, 'Conflict')) return;
      throw e;
    }
  }

  /** Every taken item with its owner. */
  async allocated(): Promise<Map<string, AllocationOwner>> {
    const out = new Map<string, AllocationOwner>();
    let cont: string | undefined;
    do {
      const page = await this.store.list(this.range.prefix, { limit: 1000, ...(cont ? { continue: cont } : {}) });
      for (const s of page.items) {
        const rec = s.obj as unknown as AllocationRecord;
        out.set(rec.metadata.name, rec.owner);
      }
      cont = page.continue;
    } while (cont);
    return out;
  }

  /**
   * Every taken item with its owner as the store held them at `rv` (an exact read, so a repair
   * pass can compare them with the Services listed at the same resourceVersion).
   */
  async allocatedAt(rv: bigint): Promise<Map<string, AllocationOwner>> {
    const out = new Map<string, AllocationOwner>();
    let cont: string | undefined;
    do {
      const page = await this.store.list(this.range.prefix, cont ? { limit: 1000, continue: cont } : { limit: 1000, resourceVersion: rv, resourceVersionMatch: 'Exact' });
      for (const s of page.items) {
        const rec = s.obj as unknown as AllocationRecord;
        out.set(rec.metadata.name, rec.owner);
      }
      cont = page.continue;
    } while (cont);
    return out;
  }

  /**
   * Hands an item held under `fromUid` to `owner` (a repair of a key naming an owner that no
   * longer holds it). Resolves false, changing nothing, when the key is gone or names another uid.
   */
  async reassign(item: string, fromUid: string, owner: AllocationOwner): Promise<boolean> {
    const record: AllocationRecord = { metadata: { name: item, uid: owner.uid }, owner };
    try {
      await this.store.guaranteedUpdate(this.key(item), (cur) => {
        if (!cur || cur.obj.metadata?.uid !== fromUid) throw new ReassignSkipped();
        return record as unknown as Parameters<Store['create']>[1];
      });
      return true;
    } catch (e) {
      if (e instanceof ReassignSkipped || isStorageError(e, 'NotFound')) return false;
      throw e;
    }
  }

  private async allocatedIndexes(): Promise<Set<number>> {
    const out = new Set<number>();
    for (const item of (await this.allocated()).keys()) {
      const i = this.range.indexOf(item);
      if (i !== undefined) out.add(i);
    }
    return out;
  }

  private async tryTake(item: string, owner: AllocationOwner, dryRun: boolean): Promise<'taken' | 'mine' | 'other'> {
    if (dryRun) {
      const cur = await this.ownerOf(item);
      if (!cur) return 'taken';
      return cur.uid === owner.uid ? 'mine' : 'other';
    }
    const record: AllocationRecord = { metadata: { name: item, uid: owner.uid }, owner };
    try {
      await this.store.create(this.key(item), record as unknown as Parameters<Store['create']>[1]);
      return 'taken';
    } catch (e) {
      if (!isStorageError(e, 'AlreadyExists')) throw e;
      const cur = await this.ownerOf(item);
      if (cur && cur.uid === owner.uid) return 'mine';
      // Freed between our create and our read: try once more.
      if (!cur) return this.tryTake(item, owner, dryRun);
      return 'other';
    }
  }
}

/** A reassignment that found the key changed: nothing to write. */
class ReassignSkipped extends Error {}
