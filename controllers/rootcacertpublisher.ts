// The root CA publisher (upstream pkg/controller/certificates/rootcacertpublisher): every
// namespace holds a ConfigMap "kube-root-ca.crt" with the CA that signs the API server's
// certificate, so pods can verify kubernetes.default.svc; one edited or deleted is put back.
import { readFileSync } from 'node:fs';
import type { KubeConfig, KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import { defineController, isAlreadyExists, isNotFound } from '../client/index.ts';
import { configMaps, namespaces } from '../client/resources.ts';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. '
  + 'No other usage is guaranteed across distributions of Kubernetes clusters.';

/** The CA bundle of the kubeconfig's current cluster, or undefined when it trusts none explicitly. */
export function rootCAOf(kc: KubeConfig): string | undefined {
  const cluster = kc.getCurrentCluster();
  if (cluster?.caData) return Buffer.from(cluster.caData, 'base64').toString('utf8');
  if (cluster?.caFile) return readFileSync(cluster.caFile, 'utf8');
  return undefined;
}

export function rootCACertPublisher(opts: { rootCA?: string } = {}) {
  return defineController({
    name: 'root-ca-cert-publisher',
    primary: namespaces,
    watches: [{ resource: configMaps, keys: (cm: KubernetesObject) => (cm.metadata?.name === ROOT_CA_CONFIGMAP && cm.metadata.namespace ? [cm.metadata.namespace] : []) }],
    workers: 2,
    async sync(ns, { clients, lister, signal }) {
      const rootCA = opts.rootCA ?? rootCAOf(clients.kc);
      if (!rootCA) return;
      const namespace = lister(namespaces).get(ns);
      if (!namespace || namespace.metadata?.deletionTimestamp || namespace.status?.phase === 'Terminating') return;
      const cm = lister(configMaps).getByName(ns, ROOT_CA_CONFIGMAP);
      const data = { 'ca.crt': rootCA };
      if (!cm) {
        const created: V1ConfigMap = { metadata: { name: ROOT_CA_CONFIGMAP, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data };
        try {
          await clients.rest.create(configMaps, ns, created, { signal });
        } catch (e) {
          // Already there (the cache is behind), or the namespace went away meanwhile.
          if (isAlreadyExists(e) || isNotFound(e) || (e as { code?: number }).code === 403) return;
          throw e;
        }
        return;
      }
      const same = cm.data?.['ca.crt'] === rootCA && Object.keys(cm.data ?? {}).length === 1
        && cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION] === DESCRIPTION;
      if (same) return;
      const next = structuredClone(cm);
      next.data = data;
      next.metadata!.annotations = { ...next.metadata!.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION };
      try {
        await clients.rest.update(configMaps, ns, next, { signal });
      } catch (e) {
        if (isNotFound(e)) return;
        throw e;
      }
    },
  });
}
