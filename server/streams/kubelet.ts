// How the API server reaches a node's kubelet: the address and port the Node reports, and the
// TLS identity it presents there. Upstream: pkg/kubelet/client (NodeConnectionInfoGetter) and
// kube-apiserver's --kubelet-client-certificate / --kubelet-client-key /
// --kubelet-certificate-authority / --kubelet-preferred-address-types.
import type { ClientRequest } from 'node:http';
import type https from 'node:https';
import * as errors from '../../machinery/errors.ts';
import type { GenericRegistry } from '../registry/generic.ts';

export interface KubeletClientConfig {
  /**
   * The client certificate and key the API server presents to kubelets, signed by the cluster CA
   * (kubeadm's apiserver-kubelet-client: CN=kube-apiserver-kubelet-client). Without them kubelets
   * that require authentication refuse the API server.
   */
  cert?: string;
  key?: string;
  /** The CA kubelets' serving certificates must chain to; unset, they are not verified (upstream's default). */
  ca?: string;
  /** Node address types tried in order; default kubeadm's InternalIP, ExternalIP, Hostname. */
  preferredAddressTypes?: string[];
  /** The port when a Node reports none (upstream --kubelet-port). */
  defaultPort?: number;
}

export const DEFAULT_KUBELET_PORT = 10250;
const DEFAULT_ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'Hostname'];

export interface KubeletLocation {
  host: string;
  port: number;
}

type NodeObject = {
  status?: {
    addresses?: Array<{ type?: string; address?: string }>;
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
  };
};

/** Upstream's GetConnectionInfo: the preferred address of the Node and its kubelet's port. */
export async function kubeletLocation(nodes: GenericRegistry, nodeName: string, cfg: KubeletClientConfig): Promise<KubeletLocation> {
  const node = (await nodes.get('', nodeName)) as NodeObject;
  const addresses = node.status?.addresses ?? [];
  let host: string | undefined;
  for (const type of cfg.preferredAddressTypes ?? DEFAULT_ADDRESS_TYPES) {
    host = addresses.find((a) => a.type === type && a.address)?.address;
    if (host) break;
  }
  if (!host) {
    const known = addresses.map((a) => `{${a.type ?? ''} ${a.address ?? ''}}`).join(' ');
    throw errors.internalError(new Error(`no preferred addresses found; known addresses: [${known}]`));
  }
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  return { host, port: port && port > 0 ? port : (cfg.defaultPort ?? DEFAULT_KUBELET_PORT) };
}

/** TLS options for a connection to a kubelet. */
export function kubeletTLS(cfg: KubeletClientConfig): Pick<https.RequestOptions, 'cert' | 'key' | 'ca' | 'rejectUnauthorized'> {
  return {
    ...(cfg.cert && cfg.key ? { cert: cfg.cert, key: cfg.key } : {}),
    ...(cfg.ca ? { ca: cfg.ca, rejectUnauthorized: true } : { rejectUnauthorized: false }),
  };
}

/** How long a kubelet may take to accept a connection (upstream's kubelet client dial timeout). */
export const KUBELET_DIAL_TIMEOUT_MS = 30_000;

/**
 * Fails a request to a kubelet (or a pod) whose connection is not up (TLS included) in time; once
 * it is, a quiet stream (a log being followed, an idle exec) may stay quiet as long as it likes.
 */
export function dialTimeout(req: ClientRequest, target: string, ms = KUBELET_DIAL_TIMEOUT_MS, tls = true): void {
  req.once('socket', (socket) => {
    const t = setTimeout(() => req.destroy(new Error(`dial tcp ${target}: i/o timeout`)), ms);
    t.unref();
    socket.once(tls ? 'secureConnect' : 'connect', () => clearTimeout(t));
    socket.once('close', () => clearTimeout(t));
  });
}

/** A connection failure as Go's net package words it ("dial tcp 10.0.0.1:10250: connect: connection refused"). */
export function dialErrorText(e: Error & { code?: string }, target: string): string {
  const words: Record<string, string> = {
    ECONNREFUSED: 'connect: connection refused', EHOSTUNREACH: 'connect: no route to host', ENETUNREACH: 'connect: network is unreachable',
    ETIMEDOUT: 'i/o timeout', ECONNRESET: 'read: connection reset by peer', ENOTFOUND: 'no such host',
  };
  const w = e.code ? words[e.code] : undefined;
  if (w) return `dial tcp ${target}: ${w}`;
  // A kubelet whose serving certificate the configured CA did not sign (Go's crypto/tls wording).
  if (e.code && ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'].includes(e.code)) {
    return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
  }
  if (e.code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `tls: failed to verify certificate: x509: ${e.message}`;
  return e.message.startsWith('dial tcp') ? e.message : `${e.message}`;
}

/** host:port with brackets around an IPv6 address, as Go's net.JoinHostPort. */
export const joinHostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
