// Just enough PEM and DER to check what upstream checks of a CertificateSigningRequest: that the
// request is a PKCS#10 CERTIFICATE REQUEST block whose signature verifies with its own public
// key (Go's x509.ParseCertificateRequest + CheckSignature), and that an issued certificate is
// only CERTIFICATE blocks. Signatures are checked with node:crypto, synchronously.
import { X509Certificate, createPublicKey, verify } from 'node:crypto';

export interface PemBlock { type: string; headers: Record<string, string>; bytes: Buffer }

/** Go's pem.Decode: the first block in `data` and what follows it, or undefined. */
export function decodePem(data: string): { block: PemBlock; rest: string } | undefined {
  const re = /(?:^|\n)-----BEGIN ([^\n]*?)-----[ \t]*\r?\n([\s\S]*?)\n-----END \1-----[ \t]*(?:\r?\n|$)/;
  const m = re.exec(data);
  if (!m) return undefined;
  // Leading "Key: value" lines are headers (RFC 1421), then an optional blank line.
  const headers: Record<string, string> = {};
  const lines = m[2]!.split(/\r?\n/);
  while (lines.length && lines[0]!.includes(':')) {
    const line = lines.shift()!;
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  if (Object.keys(headers).length && lines.length && lines[0]!.trim() === '') lines.shift();
  const body = lines.join('\n');
  const b64 = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined;
  return { block: { type: m[1]!, headers, bytes: Buffer.from(b64, 'base64') }, rest: data.slice(m.index + m[0].length) };
}

interface Tlv { tag: number; start: number; headerLen: number; len: number }

function readTlv(buf: Buffer, pos: number): Tlv {
  if (pos + 2 > buf.length) throw new Error('asn1: syntax error: data truncated');
  const tag = buf[pos]!;
  let len = buf[pos + 1]!;
  let headerLen = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('asn1: syntax error: indefinite length found (not DER)');
    if (pos + 2 + n > buf.length) throw new Error('asn1: syntax error: data truncated');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + 2 + i]!;
    headerLen += n;
  }
  if (pos + headerLen + len > buf.length) throw new Error('asn1: syntax error: data truncated');
  return { tag, start: pos, headerLen, len };
}

function children(buf: Buffer, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = t.start + t.headerLen;
  const end = pos + t.len;
  while (pos < end) {
    const c = readTlv(buf, pos);
    out.push(c);
    pos = c.start + c.headerLen + c.len;
  }
  return out;
}

const raw = (buf: Buffer, t: Tlv) => buf.subarray(t.start, t.start + t.headerLen + t.len);
const content = (buf: Buffer, t: Tlv) => buf.subarray(t.start + t.headerLen, t.start + t.headerLen + t.len);

function oidString(bytes: Buffer): string {
  const parts: number[] = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let v = 0;
  for (const b of bytes.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) { parts.push(v); v = 0; }
  }
  return parts.join('.');
}

const signatureAlgorithms: Record<string, { hash: string | null; family: 'rsa' | 'ecdsa' | 'ed25519'; name: string }> = {
  '1.2.840.113549.1.1.5': { hash: 'sha1', family: 'rsa', name: 'SHA1-RSA' },
  '1.2.840.113549.1.1.11': { hash: 'sha256', family: 'rsa', name: 'SHA256-RSA' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', family: 'rsa', name: 'SHA384-RSA' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', family: 'rsa', name: 'SHA512-RSA' },
  '1.2.840.10045.4.1': { hash: 'sha1', family: 'ecdsa', name: 'ECDSA-SHA1' },
  '1.2.840.10045.4.3.2': { hash: 'sha256', family: 'ecdsa', name: 'ECDSA-SHA256' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', family: 'ecdsa', name: 'ECDSA-SHA384' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', family: 'ecdsa', name: 'ECDSA-SHA512' },
  '1.3.101.112': { hash: null, family: 'ed25519', name: 'Ed25519' },
};

/**
 * Parses a DER PKCS#10 request and checks its self-signature; returns the error text upstream
 * would report (Go's x509/asn1 wording where it can be matched), or undefined when it verifies.
 */
export function checkCertificateRequest(der: Buffer): string | undefined {
  let info: Buffer, spki: Buffer, oid: string, signature: Buffer;
  try {
    const outer = readTlv(der, 0);
    if (outer.tag !== 0x30) return 'asn1: structure error: tags don\'t match';
    if (outer.start + outer.headerLen + outer.len !== der.length) return 'x509: trailing data after X.509 certificate request';
    const [infoT, algT, sigT] = children(der, outer);
    if (!infoT || !algT || !sigT || infoT.tag !== 0x30 || algT.tag !== 0x30 || sigT.tag !== 0x03) return 'asn1: structure error: tags don\'t match';
    info = raw(der, infoT);
    const infoParts = children(der, infoT);
    const spkiT = infoParts[2];
    if (!spkiT || spkiT.tag !== 0x30) return 'asn1: structure error: tags don\'t match';
    spki = raw(der, spkiT);
    const oidT = children(der, algT)[0];
    if (!oidT || oidT.tag !== 0x06) return 'asn1: structure error: tags don\'t match';
    oid = oidString(content(der, oidT));
    signature = content(der, sigT).subarray(1); // drop the BIT STRING's unused-bits byte
  } catch (e) {
    return (e as Error).message;
  }
  const alg = signatureAlgorithms[oid];
  if (!alg) return 'x509: cannot verify signature: algorithm unimplemented';
  if (alg.hash === 'sha1') return `x509: cannot verify signature: insecure algorithm ${alg.name}`;
  let ok: boolean;
  try {
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    ok = verify(alg.hash, info, key, signature);
  } catch {
    ok = false;
  }
  if (ok) return undefined;
  if (alg.family === 'rsa') return 'crypto/rsa: verification error';
  if (alg.family === 'ecdsa') return 'x509: ECDSA verification failure';
  return 'x509: Ed25519 verification failure';
}

/** Upstream's validateCSR on spec.request (base64 of PEM bytes): the error text or undefined. */
export function validateRequestPem(pemBytes: Buffer): string | undefined {
  const decoded = decodePem(pemBytes.toString('latin1'));
  if (!decoded || decoded.block.type !== 'CERTIFICATE REQUEST') return 'PEM block type must be CERTIFICATE REQUEST';
  return checkCertificateRequest(decoded.block.bytes);
}

/** Upstream's validateCertificate on status.certificate: only CERTIFICATE blocks, each parseable. */
export function validateCertificatePem(pemBytes: Buffer): string | undefined {
  if (pemBytes.length === 0) return undefined;
  let data = pemBytes.toString('latin1');
  let blocks = 0;
  for (;;) {
    const d = decodePem(data);
    if (!d) break;
    if (d.block.type !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found "${d.block.type}"`;
    if (Object.keys(d.block.headers).length !== 0) return 'no PEM block headers are permitted';
    blocks++;
    try {
      new X509Certificate(d.block.bytes);
    } catch {
      return 'x509: malformed certificate';
    }
    data = d.rest;
  }
  if (blocks === 0) return 'must contain at least one CERTIFICATE PEM block';
  return undefined;
}
