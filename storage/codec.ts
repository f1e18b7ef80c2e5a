// How objects become stored text and back. The RV is not stored in the value: it is the row's
// rv column, stamped into metadata.resourceVersion on the way out (upstream's APIObjectVersioner
// does the same with etcd's mod revision). So a no-op update compares text to text.
import type { StoredObject } from './store.ts';

export function encode(obj: StoredObject): string {
  const meta = obj.metadata;
  if (meta === null || typeof meta !== 'object' || !Object.hasOwn(meta, 'resourceVersion')) return JSON.stringify(obj);
  // A copy without it, the keys in their order (a replacer function would cost JSON.stringify its fast path).
  const { resourceVersion: _, ...rest } = meta;
  return JSON.stringify({ ...obj, metadata: rest });
}

export function decode(text: string, rv: bigint): StoredObject {
  const obj = JSON.parse(text) as StoredObject;
  if (obj.metadata && typeof obj.metadata === 'object') obj.metadata.resourceVersion = rv.toString();
  return obj;
}

/** The end of a key range: every key starting with `prefix` sorts below it (bytewise, COLLATE "C"). */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

// Upstream's continue token: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"<key after the prefix>\u0000"}.
// rv -1 marks the "inconsistent" token handed out when the original RV was compacted.
interface ContinueToken { v: string; rv: number; start: string }

export function encodeContinue(lastKey: string, prefix: string, rv: bigint): string {
  const token: ContinueToken = { v: 'meta.k8s.io/v1', rv: Number(rv), start: `${lastKey.slice(prefix.length)}\u0000` };
  return Buffer.from(JSON.stringify(token)).toString('base64');
}

export function decodeContinue(token: string, prefix: string): { afterKey: string; rv: bigint } | undefined {
  let parsed: ContinueToken;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as ContinueToken;
  } catch {
    return undefined;
  }
  if (parsed?.v !== 'meta.k8s.io/v1' || typeof parsed.start !== 'string' || typeof parsed.rv !== 'number') return undefined;
  if (!Number.isInteger(parsed.rv) || parsed.rv === 0 || parsed.rv < -1) return undefined;
  const start = parsed.start.endsWith('\u0000') ? parsed.start.slice(0, -1) : parsed.start;
  // The start key must stay inside the listed prefix (upstream rejects path traversal here).
  if (start === '' || start.includes('\u0000') || start.split('/').some((seg) => seg === '..' || seg === '.')) return undefined;
  return { afterKey: prefix + start, rv: BigInt(parsed.rv) };
}
