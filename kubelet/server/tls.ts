// The kubelet's serving certificate when none is configured: self-signed for the node's names and
// addresses, as upstream's kubelet makes one (GenerateSelfSignedCertKey) when --tls-cert-file is
// not set. The API server then does not verify it unless told the CA that signed a real one
// (--kubelet-certificate-authority), exactly as upstream.
import 'reflect-metadata'; // @peculiar/x509 builds on tsyringe, which needs the Reflect metadata API
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';

const DAY_MS = 86_400_000;

export async function selfSignedServingCert(hostname: string, addresses: string[], now = new Date()): Promise<{ cert: string; key: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const names = [...new Set([hostname, ...addresses, 'localhost'])];
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: [{ CN: [`${hostname}@${Math.floor(now.getTime() / 1000)}`] }],
    notBefore: new Date(now.getTime() - 5 * 60_000),
    notAfter: new Date(now.getTime() + 365 * DAY_MS),
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: isIP(n) ? 'ip' as const : 'dns' as const, value: n }))),
    ],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'sec1', format: 'pem' }).toString();
  return { cert: cert.toString('pem') + '\n', key };
}
