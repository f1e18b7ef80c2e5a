// Every component of `capstan up` talks to the API server as itself, as kubeadm's scheduler.conf,
// controller-manager.conf, kubelet.conf and kube-proxy's credentials make each one: a client
// certificate from the cluster CA whose CN is the user RBAC (and the Node authorizer) knows.
import path from 'node:path';
import type { Pki } from '../server/pki.ts';
import { writeKubeconfig } from '../server/kubeconfig.ts';

/** The users upstream's default RBAC policy grants each component's permissions to. */
export const COMPONENT_USERS = {
  scheduler: { user: 'system:kube-scheduler', groups: [] as string[] },
  'controller-manager': { user: 'system:kube-controller-manager', groups: [] as string[] },
  proxy: { user: 'system:kube-proxy', groups: [] as string[] },
} as const;

/**
 * The local volume provisioner's user: not an upstream component, so it has no default role; its
 * own ClusterRole (cli/addons.ts) grants what kind's local-path-provisioner is granted.
 */
export const LOCAL_PROVISIONER_IDENTITY = { user: 'system:capstan-local-provisioner', groups: [] as string[] } as const;

/** A kubelet's user: the Node authorizer and NodeRestriction read the node name from it. */
export const nodeUser = (nodeName: string) => ({ user: `system:node:${nodeName}`, groups: ['system:nodes'] });

/**
 * Writes `<dataDir>/components/<file>.kubeconfig` for one identity, with a certificate issued now
 * (the CA lives in the data dir, so each start issues afresh instead of tracking expiry), and
 * returns its path.
 */
export async function componentKubeconfig(o: {
  pki: Pki; dataDir: string; server: string; file: string; identity: { user: string; groups: readonly string[] };
}): Promise<string> {
  const { cert, key } = await o.pki.issueClientCert(o.identity.user, [...o.identity.groups]);
  const file = path.join(o.dataDir, 'components', `${o.file}.kubeconfig`);
  await writeKubeconfig(file, {
    server: o.server, caPem: o.pki.caCert, user: o.identity.user, clientCertPem: cert, clientKeyPem: key, clusterName: 'capstan',
  });
  return file;
}

/**
 * Each kubelet's kubeconfig, as kubeadm's kubelet.conf: `<dataDir>/components/kubelet-<node>.kubeconfig`
 * with a certificate for system:node:<node> in system:nodes, issued when the node starts.
 */
export function kubeletKubeconfigs(o: { pki: Pki; dataDir: string; server: string }): (nodeName: string) => Promise<string> {
  return (nodeName) => componentKubeconfig({ ...o, file: `kubelet-${nodeName}`, identity: nodeUser(nodeName) });
}
