// kubeconfig files in the shape kubectl and client-node read (the real kubectl reads one in pki.test.ts).
import { describe, it, expect } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kubeconfigYaml, writeKubeconfig } from './kubeconfig.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBCA==\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBAQ==\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQ==\n-----END EC PRIVATE KEY-----\n';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('kubeconfigYaml', () => {
  it('writes one cluster, user and context with inlined certificate data, as kubeadm writes admin.conf', () => {
    const yaml = kubeconfigYaml({
      server: 'https://127.0.0.1:6443', caPem: CA, user: 'kubernetes-admin', clientCertPem: CERT, clientKeyPem: KEY,
    });
    expect(load(yaml)).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'capstan', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64(CA) } }],
      users: [{ name: 'kubernetes-admin', user: { 'client-certificate-data': b64(CERT), 'client-key-data': b64(KEY) } }],
      contexts: [{ name: 'kubernetes-admin@capstan', context: { cluster: 'capstan', user: 'kubernetes-admin' } }],
      'current-context': 'kubernetes-admin@capstan',
      preferences: {},
    });
  });

  it('carries a bearer token, names and a default namespace that client-node understands', () => {
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigYaml({
      server: 'https://10.0.0.1:6443', caPem: CA, user: 'system:serviceaccount:kube-system:default', token: 'abc.def.ghi',
      clusterName: 'lab', contextName: 'lab-admin', namespace: 'kube-system',
    }));
    expect(kc.getCurrentContext()).toBe('lab-admin');
    expect(kc.getCurrentCluster()).toMatchObject({ name: 'lab', server: 'https://10.0.0.1:6443', caData: b64(CA) });
    expect(kc.getCurrentUser()).toMatchObject({ name: 'system:serviceaccount:kube-system:default', token: 'abc.def.ghi' });
    expect(kc.getContextObject('lab-admin')?.namespace).toBe('kube-system');
    expect(kc.getCurrentUser()?.certData).toBeUndefined();
  });

  it('refuses a client certificate without its key', () => {
    expect(() => kubeconfigYaml({ server: 'https://x', caPem: CA, user: 'u', clientCertPem: CERT })).toThrow(/go together/);
  });
});

describe('writeKubeconfig', () => {
  it('writes the file readable by its owner only, replacing a looser one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'capstan-kubeconfig-'));
    try {
      const file = path.join(dir, 'nested', 'admin.conf');
      const opts = { server: 'https://127.0.0.1:6443', caPem: CA, user: 'kubernetes-admin', clientCertPem: CERT, clientKeyPem: KEY };
      await writeKubeconfig(file, opts);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(await readFile(file, 'utf8')).toBe(kubeconfigYaml(opts));

      await writeFile(file, 'old', { mode: 0o644 });
      await writeKubeconfig(file, opts);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(await readFile(file, 'utf8')).toBe(kubeconfigYaml(opts));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
