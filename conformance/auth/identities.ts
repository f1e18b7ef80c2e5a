// Who the auth tests are: users as a cluster admin makes them, from outside the API server.
// A client certificate is signed with openssl by the cluster CA in <dataDir>/pki (as
// `kubeadm kubeconfig user` does: CN the user name, each O a group, clientAuth usage); a
// static token user comes from the --token-auth-file the system was started with. Each
// identity is a kubeconfig of its own, handed to kubectl (or a client library) by KUBECONFIG.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { System } from '../harness/system.ts';
import { kubectl, kubectlOk, type KubectlOptions, type KubectlResult } from '../harness/kubectl.ts';

export interface Identity {
  /** A kubeconfig that authenticates as this identity. */
  kubeconfig: string;
  /** kubectl options that run as this identity. */
  as: KubectlOptions;
}

const work = mkdtempSync(path.join(tmpdir(), 'capstan-auth-'));
// Keys and tokens do not outlive the test file's process.
process.once('exit', () => rmSync(work, { recursive: true, force: true }));
let seq = 0;

/** A token-auth-file line (upstream's CSV: token,user,uid,"group1,group2"). */
export function tokenFileLine(token: string, user: string, uid: string, groups: string[] = []): string {
  return groups.length ? `${token},${user},${uid},"${groups.join(',')}"` : `${token},${user},${uid}`;
}

/** Writes a token file for --token-auth-file and returns its path. */
export function writeTokenFile(lines: string[]): string {
  const file = path.join(work, `tokens-${seq++}.csv`);
  writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 });
  return file;
}

/** A client certificate signed by the cluster's CA (or another CA): CN = user, one O per group. */
export function certificateUser(sys: System, user: string, groups: string[] = [], ca?: { cert: string; key: string }): Identity {
  const dir = mkdtempSync(path.join(work, 'cert-'));
  const key = path.join(dir, 'user.key');
  const csr = path.join(dir, 'user.csr');
  const crt = path.join(dir, 'user.crt');
  const ext = path.join(dir, 'ext.cnf');
  // openssl's -subj escapes: a slash or backslash inside a value needs a backslash.
  const rdn = (v: string) => v.replace(/[\\/]/g, (c) => `\\${c}`);
  const subject = [...groups.map((g) => `/O=${rdn(g)}`), `/CN=${rdn(user)}`].join('');
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-subj', subject, '-out', csr], { stdio: 'pipe' });
  writeFileSync(ext, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
  const pki = path.join(sys.dataDir, 'pki');
  const signer = ca ?? { cert: path.join(pki, 'ca.crt'), key: path.join(pki, 'ca.key') };
  execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', signer.cert, '-CAkey', signer.key,
    '-set_serial', String(Date.now() * 1000 + seq++), '-days', '1', '-extfile', ext, '-out', crt], { stdio: 'pipe' });
  return writeKubeconfig(sys, dir, user, {
    'client-certificate-data': b64(readFileSync(crt)),
    'client-key-data': b64(readFileSync(key)),
  });
}

/** A self-signed CA of nobody's cluster, named like the real one: its certificates must not get in. */
export function foreignCa(): { cert: string; key: string } {
  const dir = mkdtempSync(path.join(work, 'ca-'));
  const cert = path.join(dir, 'ca.crt');
  const key = path.join(dir, 'ca.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key,
    '-subj', '/CN=kubernetes-ca', '-days', '1', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,digitalSignature', '-out', cert], { stdio: 'pipe' });
  return { cert, key };
}

/** A bearer-token user (a static token from the token file, or a ServiceAccount token). */
export function tokenUser(sys: System, token: string, name = 'token-user'): Identity {
  return writeKubeconfig(sys, mkdtempSync(path.join(work, 'token-')), name, { token });
}

function writeKubeconfig(sys: System, dir: string, user: string, credentials: Record<string, string>): Identity {
  const kubeconfig = path.join(dir, 'kubeconfig');
  const config = {
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'capstan', cluster: { server: sys.url, 'certificate-authority-data': b64(readFileSync(path.join(sys.dataDir, 'pki', 'ca.crt'))) } }],
    users: [{ name: user, user: credentials }],
    contexts: [{ name: user, context: { cluster: 'capstan', user } }],
    'current-context': user,
  };
  // JSON is YAML: kubectl and the client libraries read it as a kubeconfig.
  writeFileSync(kubeconfig, JSON.stringify(config, null, 2), { mode: 0o600 });
  return { kubeconfig, as: { env: { KUBECONFIG: kubeconfig } } };
}

const b64 = (b: Buffer) => b.toString('base64');

/** kubectl as this identity. */
export function kubectlAs(sys: System, who: Identity, args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  return kubectl(sys, args, { ...opts, env: { ...opts.env, ...who.as.env } });
}

/** kubectl as this identity, failing with the command, output and server log when it does not exit 0. */
export function kubectlOkAs(sys: System, who: Identity, args: string[], opts: KubectlOptions = {}): Promise<string> {
  return kubectlOk(sys, args, { ...opts, env: { ...opts.env, ...who.as.env } });
}

/**
 * Expects kubectl to have failed with exactly this error (its whole standard error, trimmed). On a
 * mismatch the failure names the command and shows the server's log lines for the request.
 */
export function expectDenied(sys: System, r: KubectlResult, expected: string): void {
  const fragments = r.command.split(' ').slice(1).filter((a) => !a.startsWith('-') && a.length > 2);
  const serverLines = sys.logs().split('\n').filter((l) => / (GET|POST|PUT|PATCH|DELETE) \//.test(l) && fragments.some((f) => l.includes(f))).slice(-10);
  const context = `${r.command} exited ${r.code}\n--- stdout\n${r.stdout}--- server log\n${serverLines.join('\n')}`;
  expect(r.code, context).not.toBe(0);
  expect(r.stderr.trim(), context).toBe(expected);
}
