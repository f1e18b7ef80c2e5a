// The cluster PKI against real TLS stacks: Node's https on both ends, and the real kubectl (Go's
// crypto/tls) trusting the CA, checking the serving cert's SANs and presenting the admin cert.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { ensurePki, verifyClientCert, type Pki } from './pki.ts';
import { writeKubeconfig } from './kubeconfig.ts';

const run = promisify(execFile);

const HOSTS = [
  'localhost', '127.0.0.1', '::1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local', '10.96.0.1',
];
const VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.4' };

describe('ensurePki', () => {
  let dir: string;
  let pki: Pki;
  let server: https.Server;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'capstan-pki-'));
    pki = await ensurePki(path.join(dir, 'pki'), { hosts: HOSTS });
    server = https.createServer(
      { cert: pki.servingCert, key: pki.servingKey, ca: pki.caCert, requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerX509Certificate();
        const identity = peer ? verifyClientCert(peer, pki.caCert) : undefined;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(req.url === '/whoami' ? identity ?? { user: 'system:anonymous' } : VERSION));
      });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function get(urlPath: string, client?: { cert: string; key: string }): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const req = https.get(
        { host: '127.0.0.1', port, path: urlPath, ca: pki.caCert, cert: client?.cert, key: client?.key, agent: false },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => { text += chunk.toString(); });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
        });
      req.on('error', reject);
    });
  }

  it('lays out the kubeadm files, keys readable by their owner only', async () => {
    for (const name of ['ca.key', 'apiserver.key', 'admin.key', 'sa.key']) {
      expect(((await stat(path.join(dir, 'pki', name))).mode & 0o777).toString(8)).toBe('600');
    }
    for (const name of ['ca.crt', 'apiserver.crt', 'admin.crt', 'sa.pub']) {
      expect(await readFile(path.join(dir, 'pki', name), 'utf8')).toMatch(/^-----BEGIN (CERTIFICATE|PUBLIC KEY)-----/);
    }
    expect(pki.adminKey).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    expect(pki.saPrivateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    const ca = new X509Certificate(pki.caCert);
    expect(ca.ca).toBe(true);
    expect(new Date(ca.validTo).getTime() - Date.now()).toBeGreaterThan(9 * 365 * 86_400_000);
    const serving = new X509Certificate(pki.servingCert);
    expect(serving.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    for (const host of HOSTS) {
      expect(isIP(host) ? serving.checkIP(host) : serving.checkHost(host, { subject: 'never' })).toBe(host);
    }
  });

  it('serves Node clients: the CA verifies the server and the server reads the admin identity', async () => {
    expect(await get('/version', { cert: pki.adminCert, key: pki.adminKey })).toEqual({ status: 200, body: VERSION });
    expect((await get('/whoami', { cert: pki.adminCert, key: pki.adminKey })).body)
      .toEqual({ user: 'kubernetes-admin', groups: ['system:masters'] });
    expect((await get('/whoami')).body).toEqual({ user: 'system:anonymous' });
  });

  it('serves the real kubectl through a kubeconfig with the admin certificate', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const file = path.join(dir, `admin-${host}.conf`);
      await writeKubeconfig(file, {
        server: `https://${host}:${port}`, caPem: pki.caCert, user: 'kubernetes-admin',
        clientCertPem: pki.adminCert, clientKeyPem: pki.adminKey,
      });
      const env = { ...process.env, KUBECONFIG: '', HOME: dir };
      const version = await run('kubectl', ['--kubeconfig', file, 'get', '--raw', '/version'], { env });
      expect(JSON.parse(version.stdout)).toEqual(VERSION);
      const whoami = await run('kubectl', ['--kubeconfig', file, 'get', '--raw', '/whoami'], { env });
      expect(JSON.parse(whoami.stdout)).toEqual({ user: 'kubernetes-admin', groups: ['system:masters'] });
    }
  });

  it('is refused by the real kubectl when the kubeconfig trusts another CA', async () => {
    const otherDir = await mkdtemp(path.join(tmpdir(), 'capstan-pki-'));
    try {
      const other = await ensurePki(otherDir, { hosts: HOSTS });
      const file = path.join(dir, 'stranger.conf');
      await writeKubeconfig(file, {
        server: `https://127.0.0.1:${port}`, caPem: other.caCert, user: 'kubernetes-admin',
        clientCertPem: other.adminCert, clientKeyPem: other.adminKey,
      });
      const env = { ...process.env, KUBECONFIG: '', HOME: dir };
      await expect(run('kubectl', ['--kubeconfig', file, 'get', '--raw', '/version'], { env }))
        .rejects.toThrow(/certificate signed by unknown authority/);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('reuses the CA and certificates on the next start, and reissues the serving cert for new hosts', async () => {
    const again = await ensurePki(path.join(dir, 'pki'), { hosts: HOSTS });
    expect(again.caCert).toBe(pki.caCert);
    expect(again.caKey).toBe(pki.caKey);
    expect(again.servingCert).toBe(pki.servingCert);
    expect(again.adminCert).toBe(pki.adminCert);
    expect(again.saPrivateKey).toBe(pki.saPrivateKey);
    expect(again.saPublicKey).toBe(pki.saPublicKey);

    const wider = await ensurePki(path.join(dir, 'pki'), { hosts: [...HOSTS, 'capstan.example.com', '192.0.2.7'] });
    expect(wider.caCert).toBe(pki.caCert);
    expect(wider.servingCert).not.toBe(pki.servingCert);
    expect(wider.adminCert).toBe(pki.adminCert);
    const serving = new X509Certificate(wider.servingCert);
    expect(serving.checkHost('capstan.example.com', { subject: 'never' })).toBe('capstan.example.com');
    expect(serving.checkIP('192.0.2.7')).toBe('192.0.2.7');
    expect(serving.checkIssued(new X509Certificate(pki.caCert))).toBe(true);
  });

  it('renews certificates close to expiry but keeps the CA', async () => {
    const later = new Date(Date.now() + 340 * 86_400_000);
    const renewed = await ensurePki(path.join(dir, 'pki'), { hosts: HOSTS, now: () => later });
    expect(renewed.caCert).toBe(pki.caCert);
    expect(renewed.adminCert).not.toBe(pki.adminCert);
    expect(new Date(new X509Certificate(renewed.adminCert).validTo).getTime()).toBeGreaterThan(later.getTime() + 300 * 86_400_000);
  });

  it('refuses a directory holding only half a CA', async () => {
    const half = await mkdtemp(path.join(tmpdir(), 'capstan-pki-'));
    try {
      await writeFile(path.join(half, 'ca.crt'), pki.caCert);
      await expect(ensurePki(half, { hosts: HOSTS })).rejects.toThrow(/only one of ca.crt and ca.key/);
    } finally {
      await rm(half, { recursive: true, force: true });
    }
  });

  it('issues client certificates that verifyClientCert accepts, and nothing else', async () => {
    const node = await pki.issueClientCert('system:node:n1', ['system:nodes']);
    expect(verifyClientCert(new X509Certificate(node.cert).raw, pki.caCert))
      .toEqual({ user: 'system:node:n1', groups: ['system:nodes'] });
    expect(new X509Certificate(node.cert).checkPrivateKey(createPrivateKey(node.key))).toBe(true);

    const scheduler = await pki.issueClientCert('system:kube-scheduler', []);
    expect(verifyClientCert(new X509Certificate(scheduler.cert), new X509Certificate(pki.caCert)))
      .toEqual({ user: 'system:kube-scheduler', groups: [] });

    const shortLived = await pki.issueClientCert('alice@example.com', ['dev_team', 'ops'], 1);
    expect(verifyClientCert(new X509Certificate(shortLived.cert), pki.caCert))
      .toEqual({ user: 'alice@example.com', groups: ['dev_team', 'ops'] });
    expect(verifyClientCert(new X509Certificate(shortLived.cert), pki.caCert, new Date(Date.now() + 2 * 86_400_000)))
      .toBeUndefined();

    // The serving certificate is the CA's too, but only for serverAuth.
    expect(verifyClientCert(new X509Certificate(pki.servingCert), pki.caCert)).toBeUndefined();

    const otherDir = await mkdtemp(path.join(tmpdir(), 'capstan-pki-'));
    try {
      const other = await ensurePki(otherDir, { hosts: ['localhost'] });
      const stranger = await other.issueClientCert('system:node:n1', ['system:nodes']);
      expect(verifyClientCert(new X509Certificate(stranger.cert), pki.caCert)).toBeUndefined();
      expect(verifyClientCert(new X509Certificate(other.adminCert), pki.caCert)).toBeUndefined();
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
    expect(verifyClientCert(Buffer.from('not a certificate'), pki.caCert)).toBeUndefined();
  });

  it('signs with an RSA CA made elsewhere, as kubeadm makes them by default', async () => {
    const rsaDir = await mkdtemp(path.join(tmpdir(), 'capstan-pki-'));
    try {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
      const signingKey = await webcrypto.subtle.importKey(
        'pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), algorithm, false, ['sign']);
      const rsaPublic = await webcrypto.subtle.importKey(
        'spki', createPublicKey(privateKey).export({ type: 'spki', format: 'der' }), algorithm, true, ['verify']);
      const ca = await x509.X509CertificateGenerator.create({
        serialNumber: '01', subject: 'CN=kubernetes', issuer: 'CN=kubernetes',
        notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 3650 * 86_400_000),
        signingAlgorithm: algorithm, signingKey, publicKey: rsaPublic,
        extensions: [new x509.BasicConstraintsExtension(true, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true)],
      });
      await writeFile(path.join(rsaDir, 'ca.crt'), ca.toString('pem'));
      await writeFile(path.join(rsaDir, 'ca.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });

      const kubeadm = await ensurePki(rsaDir, { hosts: HOSTS });
      expect(kubeadm.caCert).toBe(ca.toString('pem'));
      expect(verifyClientCert(new X509Certificate(kubeadm.adminCert), kubeadm.caCert))
        .toEqual({ user: 'kubernetes-admin', groups: ['system:masters'] });
      expect(new X509Certificate(kubeadm.servingCert).checkIssued(new X509Certificate(kubeadm.caCert))).toBe(true);
    } finally {
      await rm(rsaDir, { recursive: true, force: true });
    }
  });
});
