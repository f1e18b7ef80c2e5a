// kubeconfig files as kubeadm writes admin.conf: one cluster, one user, one context, with the
// certificates inlined as base64 *-data fields so the file stands alone.
import { dump } from 'js-yaml';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface KubeconfigOptions {
  /** https://host:port */
  server: string;
  caPem: string;
  /** The user entry's name; also names the default context. */
  user: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
  /** Default "capstan". */
  clusterName?: string;
  /** Default "<user>@<clusterName>", as kubeadm names its contexts. */
  contextName?: string;
  namespace?: string;
}

export function kubeconfigYaml(opts: KubeconfigOptions): string {
  if ((opts.clientCertPem === undefined) !== (opts.clientKeyPem === undefined)) {
    throw new Error('kubeconfig: clientCertPem and clientKeyPem go together');
  }
  const clusterName = opts.clusterName ?? 'capstan';
  const contextName = opts.contextName ?? `${opts.user}@${clusterName}`;
  const user: Record<string, string> = {};
  if (opts.clientCertPem !== undefined && opts.clientKeyPem !== undefined) {
    user['client-certificate-data'] = base64(opts.clientCertPem);
    user['client-key-data'] = base64(opts.clientKeyPem);
  }
  if (opts.token !== undefined) user.token = opts.token;
  const context: Record<string, string> = { cluster: clusterName, user: opts.user };
  if (opts.namespace !== undefined) context.namespace = opts.namespace;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster: { server: opts.server, 'certificate-authority-data': base64(opts.caPem) } }],
    users: [{ name: opts.user, user }],
    contexts: [{ name: contextName, context }],
    'current-context': contextName,
    preferences: {},
  };
  return dump(config, { lineWidth: -1 });
}

/** Writes the kubeconfig readable by its owner only: it holds a key or a token. */
export async function writeKubeconfig(file: string, opts: KubeconfigOptions): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, kubeconfigYaml(opts), { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
