// NaCl secretbox (XSalsa20 stream cipher + Poly1305 authenticator), which upstream's
// `secretbox` encryption provider uses through golang.org/x/crypto/nacl/secretbox. Node's
// crypto has neither XSalsa20 nor a standalone Poly1305, so both are written out here from
// their specifications (Bernstein: "Salsa20 specification", "Extending the Salsa20 nonce",
// "The Poly1305-AES message-authentication code"). Sealed form: 16-byte tag, then ciphertext.

export const SECRETBOX_KEY_BYTES = 32;
export const SECRETBOX_NONCE_BYTES = 24;
export const SECRETBOX_OVERHEAD = 16;

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"

const rotl = (v: number, c: number) => (v << c) | (v >>> (32 - c));

const u32le = (b: Uint8Array, i: number) => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;

function putU32le(out: Uint8Array, i: number, v: number): void {
  out[i] = v & 0xff;
  out[i + 1] = (v >>> 8) & 0xff;
  out[i + 2] = (v >>> 16) & 0xff;
  out[i + 3] = (v >>> 24) & 0xff;
}

/** The Salsa20 input matrix for a 32-byte key and 16 bytes of nonce/counter. */
function initialState(key: Uint8Array, input16: Uint8Array): Uint32Array {
  const x = new Uint32Array(16);
  x[0] = SIGMA[0]!; x[5] = SIGMA[1]!; x[10] = SIGMA[2]!; x[15] = SIGMA[3]!;
  for (let i = 0; i < 4; i++) {
    x[1 + i] = u32le(key, 4 * i);
    x[11 + i] = u32le(key, 16 + 4 * i);
    x[6 + i] = u32le(input16, 4 * i);
  }
  return x;
}

/** Twenty rounds (ten double rounds) of Salsa20 over `x`, in place. */
function rounds(x: Uint32Array): void {
  for (let i = 0; i < 20; i += 2) {
    // column round
    x[4]! ^= rotl((x[0]! + x[12]!) | 0, 7); x[8]! ^= rotl((x[4]! + x[0]!) | 0, 9);
    x[12]! ^= rotl((x[8]! + x[4]!) | 0, 13); x[0]! ^= rotl((x[12]! + x[8]!) | 0, 18);
    x[9]! ^= rotl((x[5]! + x[1]!) | 0, 7); x[13]! ^= rotl((x[9]! + x[5]!) | 0, 9);
    x[1]! ^= rotl((x[13]! + x[9]!) | 0, 13); x[5]! ^= rotl((x[1]! + x[13]!) | 0, 18);
    x[14]! ^= rotl((x[10]! + x[6]!) | 0, 7); x[2]! ^= rotl((x[14]! + x[10]!) | 0, 9);
    x[6]! ^= rotl((x[2]! + x[14]!) | 0, 13); x[10]! ^= rotl((x[6]! + x[2]!) | 0, 18);
    x[3]! ^= rotl((x[15]! + x[11]!) | 0, 7); x[7]! ^= rotl((x[3]! + x[15]!) | 0, 9);
    x[11]! ^= rotl((x[7]! + x[3]!) | 0, 13); x[15]! ^= rotl((x[11]! + x[7]!) | 0, 18);
    // row round
    x[1]! ^= rotl((x[0]! + x[3]!) | 0, 7); x[2]! ^= rotl((x[1]! + x[0]!) | 0, 9);
    x[3]! ^= rotl((x[2]! + x[1]!) | 0, 13); x[0]! ^= rotl((x[3]! + x[2]!) | 0, 18);
    x[6]! ^= rotl((x[5]! + x[4]!) | 0, 7); x[7]! ^= rotl((x[6]! + x[5]!) | 0, 9);
    x[4]! ^= rotl((x[7]! + x[6]!) | 0, 13); x[5]! ^= rotl((x[4]! + x[7]!) | 0, 18);
    x[11]! ^= rotl((x[10]! + x[9]!) | 0, 7); x[8]! ^= rotl((x[11]! + x[10]!) | 0, 9);
    x[9]! ^= rotl((x[8]! + x[11]!) | 0, 13); x[10]! ^= rotl((x[9]! + x[8]!) | 0, 18);
    x[12]! ^= rotl((x[15]! + x[14]!) | 0, 7); x[13]! ^= rotl((x[12]! + x[15]!) | 0, 9);
    x[14]! ^= rotl((x[13]! + x[12]!) | 0, 13); x[15]! ^= rotl((x[14]! + x[13]!) | 0, 18);
  }
}

/** HSalsa20: a 32-byte subkey from a key and the first 16 bytes of an extended nonce. */
export function hsalsa20(key: Uint8Array, nonce16: Uint8Array): Uint8Array {
  const x = initialState(key, nonce16);
  rounds(x);
  const out = new Uint8Array(32);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((j, i) => putU32le(out, 4 * i, x[j]!));
  return out;
}

/** XSalsa20 keystream XORed into `data` (encrypts and decrypts alike). */
export function xsalsa20Xor(key: Uint8Array, nonce: Uint8Array, data: Uint8Array): Uint8Array {
  const subkey = hsalsa20(key, nonce.subarray(0, 16));
  const input = new Uint8Array(16);
  input.set(nonce.subarray(16, 24), 0);
  const out = new Uint8Array(data.length);
  const block = new Uint8Array(64);
  for (let off = 0, counter = 0; off < data.length; off += 64, counter++) {
    putU32le(input, 8, counter >>> 0);
    putU32le(input, 12, Math.floor(counter / 0x1_0000_0000));
    const x = initialState(subkey, input);
    const start = x.slice();
    rounds(x);
    for (let i = 0; i < 16; i++) putU32le(block, 4 * i, (x[i]! + start[i]!) | 0);
    const n = Math.min(64, data.length - off);
    for (let i = 0; i < n; i++) out[off + i] = data[off + i]! ^ block[i]!;
  }
  return out;
}

const P1305 = (1n << 130n) - 5n;
const MASK128 = (1n << 128n) - 1n;

function leBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

/** The one-time Poly1305 tag of `msg` under a 32-byte key (r ‖ s). */
export function poly1305(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const r = leBigInt(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = leBigInt(key.subarray(16, 32));
  let acc = 0n;
  for (let off = 0; off < msg.length; off += 16) {
    const chunk = msg.subarray(off, Math.min(off + 16, msg.length));
    const n = leBigInt(chunk) | (1n << BigInt(8 * chunk.length));
    acc = ((acc + n) * r) % P1305;
  }
  let tag = (acc + s) & MASK128;
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) { out[i] = Number(tag & 0xffn); tag >>= 8n; }
  return out;
}

function checkSizes(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== SECRETBOX_KEY_BYTES) throw new Error(`secretbox key must be ${SECRETBOX_KEY_BYTES} bytes`);
  if (nonce.length !== SECRETBOX_NONCE_BYTES) throw new Error(`secretbox nonce must be ${SECRETBOX_NONCE_BYTES} bytes`);
}

/** Encrypts and authenticates: tag (16 bytes) followed by the ciphertext. */
export function secretboxSeal(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  checkSizes(key, nonce);
  // The first 32 keystream bytes key Poly1305; the message is XORed with what follows.
  const padded = new Uint8Array(32 + message.length);
  padded.set(message, 32);
  const stream = xsalsa20Xor(key, nonce, padded);
  const ciphertext = stream.subarray(32);
  const out = new Uint8Array(SECRETBOX_OVERHEAD + message.length);
  out.set(poly1305(stream.subarray(0, 32), ciphertext), 0);
  out.set(ciphertext, SECRETBOX_OVERHEAD);
  return out;
}

/** Verifies and decrypts a sealed box; undefined when it does not authenticate. */
export function secretboxOpen(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  checkSizes(key, nonce);
  if (box.length < SECRETBOX_OVERHEAD) return undefined;
  const ciphertext = box.subarray(SECRETBOX_OVERHEAD);
  const padded = new Uint8Array(32 + ciphertext.length);
  padded.set(ciphertext, 32);
  const stream = xsalsa20Xor(key, nonce, padded);
  const expected = poly1305(stream.subarray(0, 32), ciphertext);
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= expected[i]! ^ box[i]!;
  if (diff !== 0) return undefined;
  return stream.slice(32);
}
