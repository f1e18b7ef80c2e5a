// The template hash behind `pod-template-hash` and ControllerRevision names (upstream
// controller.ComputeHash): FNV-1a 32 of the template, mixed with the collision count, written in
// upstream's "safe" alphabet so the result never spells words or looks like a number. Upstream
// hashes a Go printout of the struct; we hash canonical JSON, so values differ from upstream's
// but keep its properties: stable across restarts, changed by any template change.

import { canonicalJson } from '../../machinery/canonicaljson.ts';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Upstream rand.SafeEncodeString: each character mapped into the safe alphabet. */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

export function computeHash(template: unknown, collisionCount?: number | null): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncode(String(h));
}
