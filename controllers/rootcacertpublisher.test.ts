import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { isNotFound, type RestClient } from '../client/index.ts';
import { configMaps, namespaces } from '../client/resources.ts';
import { startControllerTestbed, type ControllerTestbed } from '../test/controllers.ts';
import { eventually } from '../test/eventually.ts';
import { DESCRIPTION, rootCACertPublisher, rootCAOf } from './rootcacertpublisher.ts';

let bed: ControllerTestbed;
let rest: RestClient;

beforeAll(async () => {
  bed = await startControllerTestbed({ controllers: [rootCACertPublisher()], tls: true });
  rest = bed.rest;
});
afterAll(async () => { await bed?.close(); });

const rootCM = async (ns: string): Promise<V1ConfigMap | undefined> => {
  try { return await rest.get(configMaps, ns, 'kube-root-ca.crt'); } catch (e) { if (isNotFound(e)) return undefined; throw e; }
};

describe('root CA publisher', () => {
  it('puts the cluster CA into kube-root-ca.crt in every namespace, and restores it when edited or deleted', async () => {
    const ca = rootCAOf(bed.srv.kubeconfig)!;
    expect(ca).toMatch(/BEGIN CERTIFICATE/);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      const c = await eventually(() => rootCM(ns), 5_000);
      expect(c.data).toEqual({ 'ca.crt': ca });
      expect(c.metadata?.annotations?.['kubernetes.io/description']).toBe(DESCRIPTION);
    }
    await rest.create(namespaces, '', { metadata: { name: 'ca-new' } });
    const first = await eventually(() => rootCM('ca-new'), 5_000);
    await rest.patch(configMaps, 'ca-new', 'kube-root-ca.crt', { data: { 'ca.crt': 'tampered' } }, { type: 'merge' });
    await eventually(async () => ((await rootCM('ca-new'))?.data?.['ca.crt'] === ca ? true : undefined), 5_000);
    await rest.delete(configMaps, 'ca-new', 'kube-root-ca.crt');
    const again = await eventually(async () => { const c = await rootCM('ca-new'); return c && c.metadata?.uid !== first.metadata?.uid ? c : undefined; }, 5_000);
    expect(again.data).toEqual({ 'ca.crt': ca });
  });
});
