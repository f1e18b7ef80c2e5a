// The cluster's certificates, laid out as kubeadm lays out /etc/kubernetes/pki: made on first start,
// reused afterwards. Node's crypto makes keys and checks certificates; @peculiar/x509 issues them.
import 'reflect-metadata'; // @peculiar/x509 builds on tsyringe, which needs the Reflect metadata API
import * as x509 from '@peculiar/x509';
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPair, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

export interface Pki {
  caCert: string;
  caKey: string;
  /** apiserver.crt: serverAuth, with the requested hosts as SANs. */
  servingCert: string;
  servingKey: string;
  /** admin.crt: CN=kubernetes-admin, O=system:masters. */
  adminCert: string;
  adminKey: string;
  /** sa.key / sa.pub: signs and verifies ServiceAccount tokens. */
  saPrivateKey: string;
  saPublicKey: string;
  /** A client certificate for a component or user: CN is the user name, each group an O. */
  issueClientCert(cn: string, groups: string[], days?: number): Promise<{ cert: string; key: string }>;
}

export interface EnsurePkiOptions {
  /** DNS names and IP addresses the serving certificate must cover. */
  hosts: string[];
  /** The clock; tests move it. */
  now?: () => Date;
}

/** Who a client certificate names, as upstream's x509 authenticator reads it. */
export interface CertIdentity {
  user: string;
  groups: string[];
}

const CA_DAYS = 3650; // kubeadm: CA certificates last ten years
const LEAF_DAYS = 365; // kubeadm: everything the CA signs lasts one year
const RENEW_BEFORE_DAYS = 30;
const BACKDATE_MS = 5 * 60_000; // tolerate clocks a little behind ours on other nodes
const DAY_MS = 86_400_000;

const CLIENT_AUTH = x509.ExtendedKeyUsage.clientAuth as string;
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

const subtle = webcrypto.subtle;
type CryptoKey = webcrypto.CryptoKey;
type SigningAlgorithm = webcrypto.EcdsaParams | webcrypto.RsaHashedImportParams;
const generateKeyPairAsync = promisify(generateKeyPair);

/** The CA's certificate and its key, ready to sign. */
interface Signer {
  cert: X509Certificate;
  certPem: string;
  keyPem: string;
  subject: x509.Name;
  authorityKeyId: string;
  key: CryptoKey;
  algorithm: SigningAlgorithm;
}

interface LeafSpec {
  cn: string;
  groups: string[];
  usage: 'server' | 'client';
  hosts?: string[];
  days: number;
}

export async function ensurePki(dir: string, opts: EnsurePkiOptions): Promise<Pki> {
  const now = opts.now ?? (() => new Date());
  await mkdir(dir, { recursive: true });
  const ca = await ensureCa(dir, now());
  const serving = await ensureLeaf(dir, 'apiserver', ca, now(), {
    cn: 'kube-apiserver', groups: [], usage: 'server', hosts: [...new Set(opts.hosts)], days: LEAF_DAYS,
  });
  const admin = await ensureLeaf(dir, 'admin', ca, now(), {
    cn: 'kubernetes-admin', groups: ['system:masters'], usage: 'client', days: LEAF_DAYS,
  });
  const sa = await ensureServiceAccountKey(dir);
  return {
    caCert: ca.certPem,
    caKey: ca.keyPem,
    servingCert: serving.cert,
    servingKey: serving.key,
    adminCert: admin.cert,
    adminKey: admin.key,
    saPrivateKey: sa.privateKey,
    saPublicKey: sa.publicKey,
    issueClientCert: (cn, groups, days = LEAF_DAYS) => issueLeaf(ca, now(), { cn, groups, usage: 'client', days }),
  };
}

/**
 * CN → user, each O → a group, if the certificate was signed by the CA, is within its validity
 * period and may be used for client auth — what upstream's x509 request authenticator checks.
 */
export function verifyClientCert(
  peerCert: Buffer | X509Certificate,
  ca: string | X509Certificate,
  now: Date = new Date(),
): CertIdentity | undefined {
  let cert: X509Certificate;
  let caCert: X509Certificate;
  try {
    cert = peerCert instanceof X509Certificate ? peerCert : new X509Certificate(peerCert);
    caCert = ca instanceof X509Certificate ? ca : new X509Certificate(ca);
  } catch {
    return undefined;
  }
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return undefined;
  if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) return undefined;
  // Node calls the extended key usages `keyUsage`. None at all means any use, as in Go.
  const ekus = cert.keyUsage ?? [];
  if (ekus.length > 0 && !ekus.includes(CLIENT_AUTH) && !ekus.includes(ANY_EXTENDED_KEY_USAGE)) return undefined;
  const subject = new x509.X509Certificate(cert.raw).subjectName;
  const user = subject.getField('CN')[0];
  // Upstream's CommonNameUserConversion: no CN, no user.
  if (!user) return undefined;
  return { user, groups: subject.getField('O') };
}

async function ensureCa(dir: string, now: Date): Promise<Signer> {
  const certPath = path.join(dir, 'ca.crt');
  const keyPath = path.join(dir, 'ca.key');
  const [certPem, keyPem] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (certPem !== undefined && keyPem !== undefined) {
    const ca = await loadSigner(certPem, keyPem);
    if (now > new Date(ca.cert.validTo)) throw new Error(`${certPath} expired on ${ca.cert.validTo}`);
    return ca;
  }
  // Never replace half a CA: every certificate and kubeconfig already handed out hangs off it.
  if (certPem !== undefined || keyPem !== undefined) {
    throw new Error(`${dir} holds only one of ca.crt and ca.key; restore the other or remove both`);
  }
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: ['kubernetes-ca'] }],
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_DAYS * DAY_MS),
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const newKeyPem = await privateKeyPem(keys.privateKey);
  const newCertPem = cert.toString('pem') + '\n';
  await writeFileAtomic(keyPath, newKeyPem, 0o600);
  await writeFileAtomic(certPath, newCertPem, 0o644);
  return loadSigner(newCertPem, newKeyPem);
}

/** The CA as found on disk; RSA keys (kubeadm's default) sign as well as EC ones. */
async function loadSigner(certPem: string, keyPem: string): Promise<Signer> {
  const cert = new X509Certificate(certPem);
  const privateKey = createPrivateKey(keyPem);
  if (!cert.checkPrivateKey(privateKey)) throw new Error('ca.key does not match ca.crt');
  const algorithm = signingAlgorithm(privateKey);
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  const key = await subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
  const parsed = new x509.X509Certificate(cert.raw);
  const ski = parsed.getExtension(x509.SubjectKeyIdentifierExtension);
  const authorityKeyId = ski?.keyId ?? (await x509.SubjectKeyIdentifierExtension.create(parsed.publicKey)).keyId;
  return { cert, certPem, keyPem, subject: parsed.subjectName, authorityKeyId, key, algorithm };
}

// Go's x509 pairs each curve with its own hash size.
const curves: Record<string, { namedCurve: string; hash: string }> = {
  prime256v1: { namedCurve: 'P-256', hash: 'SHA-256' },
  secp384r1: { namedCurve: 'P-384', hash: 'SHA-384' },
  secp521r1: { namedCurve: 'P-521', hash: 'SHA-512' },
};

function signingAlgorithm(key: KeyObject): SigningAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const curve = key.asymmetricKeyType === 'ec' ? curves[key.asymmetricKeyDetails?.namedCurve ?? ''] : undefined;
  if (!curve) throw new Error(`cannot sign with a ${key.asymmetricKeyType ?? 'unknown'} CA key`);
  return { name: 'ECDSA', ...curve };
}

async function ensureLeaf(dir: string, name: string, ca: Signer, now: Date, spec: LeafSpec): Promise<{ cert: string; key: string }> {
  const certPath = path.join(dir, `${name}.crt`);
  const keyPath = path.join(dir, `${name}.key`);
  const [cert, key] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (cert !== undefined && key !== undefined && reusable(cert, key, ca, now, spec)) return { cert, key };
  const issued = await issueLeaf(ca, now, spec);
  await writeFileAtomic(keyPath, issued.key, 0o600);
  await writeFileAtomic(certPath, issued.cert, 0o644);
  return issued;
}

/** A certificate on disk is kept while it is ours, whole, not near its end, and names what it should. */
function reusable(certPem: string, keyPem: string, ca: Signer, now: Date, spec: LeafSpec): boolean {
  try {
    const cert = new X509Certificate(certPem);
    if (!cert.checkIssued(ca.cert) || !cert.verify(ca.cert.publicKey)) return false;
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return false;
    if (now < new Date(cert.validFrom)) return false;
    if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) return false;
    const subject = new x509.X509Certificate(cert.raw).subjectName;
    if (subject.getField('CN')[0] !== spec.cn) return false;
    if (subject.getField('O').join('\n') !== spec.groups.join('\n')) return false;
    return (spec.hosts ?? []).every((host) =>
      isIP(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host, { subject: 'never', wildcards: false }) !== undefined);
  } catch {
    return false;
  }
}

async function issueLeaf(ca: Signer, now: Date, spec: LeafSpec): Promise<{ cert: string; key: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await subtle.generateKey(algorithm, true, ['sign', 'verify']);
  // Go's pkix.Name order: organizations, then the common name.
  const subject: x509.JsonName = [...spec.groups.map((o) => ({ O: [o] })), { CN: [spec.cn] }];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([spec.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    new x509.AuthorityKeyIdentifierExtension(ca.authorityKeyId),
  ];
  if (spec.hosts && spec.hosts.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(
      spec.hosts.map((host) => ({ type: isIP(host) ? 'ip' : 'dns', value: host }))));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject,
    issuer: ca.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + spec.days * DAY_MS),
    signingAlgorithm: ca.algorithm,
    signingKey: ca.key,
    publicKey: keys.publicKey,
    extensions,
  });
  return { cert: cert.toString('pem') + '\n', key: await privateKeyPem(keys.privateKey) };
}

/** sa.key is the source of truth; sa.pub is derived from it and rewritten if it differs. */
async function ensureServiceAccountKey(dir: string): Promise<{ privateKey: string; publicKey: string }> {
  const keyPath = path.join(dir, 'sa.key');
  const pubPath = path.join(dir, 'sa.pub');
  let privateKey = await readIfExists(keyPath);
  if (privateKey === undefined) {
    // kubeadm: an RSA 2048 key, so tokens are RS256 as every JWT consumer expects.
    const pair = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
    privateKey = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    await writeFileAtomic(keyPath, privateKey, 0o600);
  }
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  if ((await readIfExists(pubPath)) !== publicKey) await writeFileAtomic(pubPath, publicKey, 0o644);
  return { privateKey, publicKey };
}

/** kubeadm's PEM types: "EC PRIVATE KEY" (SEC 1) for EC keys, "RSA PRIVATE KEY" (PKCS #1) for RSA. */
async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await subtle.exportKey('pkcs8', key));
  const keyObject = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const type = keyObject.asymmetricKeyType === 'rsa' ? 'pkcs1' : 'sec1';
  return keyObject.export({ type, format: 'pem' }).toString();
}

/** 128 random bits, top bit clear so the DER integer stays positive (RFC 5280 §4.1.2.2). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Write then rename, so a crash never leaves half a key; the mode is set as the file is made. */
async function writeFileAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode });
  await chmod(tmp, mode); // in case a crashed run left the temporary file behind with another mode
  await rename(tmp, file);
}
