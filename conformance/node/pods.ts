// What the node conformance files share: a system with Docker nodes, objects applied and pods read
// back through the real kubectl, namespaces emptied before the system stops (so the kubelets remove
// their containers), and long-lived kubectl children (logs -f) whose output a test reads as it comes.
import { spawn, type ChildProcess } from 'node:child_process';
import type { System } from '../harness/system.ts';
import { kubectlOk } from '../harness/kubectl.ts';
import { eventually } from '../../test/eventually.ts';

export { createNamespace, deleteNamespaces, root, startDockerSystem } from '../harness/pods.ts';

/** A pod as `kubectl get -o json` prints it: only what these tests read (times are RFC 3339 strings). */
export interface PodJson {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    conditions?: Array<{ type: string; status: string; reason?: string }>;
    containerStatuses?: ContainerStatusJson[];
    initContainerStatuses?: ContainerStatusJson[];
  };
}

export interface ContainerStatusJson {
  name: string;
  ready: boolean;
  restartCount: number;
  containerID?: string;
  started?: boolean;
  state?: {
    waiting?: { reason?: string; message?: string };
    running?: { startedAt?: string };
    terminated?: { reason?: string; exitCode?: number; startedAt?: string; finishedAt?: string };
  };
  lastState?: { terminated?: { reason?: string; exitCode?: number; startedAt?: string; finishedAt?: string } };
}

export const apply = (sys: System, obj: unknown) => kubectlOk(sys, ['apply', '-f', '-'], { input: JSON.stringify(obj) });

export async function getPod(sys: System, ns: string, name: string): Promise<PodJson> {
  return JSON.parse(await kubectlOk(sys, ['get', 'pod', name, '-n', ns, '-o', 'json'])) as PodJson;
}

export async function listPods(sys: System, ns: string, selector?: string): Promise<PodJson[]> {
  const out = await kubectlOk(sys, ['get', 'pods', '-n', ns, '-o', 'json', ...(selector ? ['-l', selector] : [])]);
  return (JSON.parse(out) as { items: PodJson[] }).items;
}

export const conditionOf = (pod: PodJson, type: string) => pod.status.conditions?.find((c) => c.type === type)?.status;
export const containerStatus = (pod: PodJson, name: string) => pod.status.containerStatuses?.find((c) => c.name === name);

/** Waits for `kubectl wait --for=condition=Ready` on a pod. */
export async function waitReady(sys: System, ns: string, name: string, timeoutSeconds = 90): Promise<void> {
  await kubectlOk(sys, ['wait', '--for=condition=Ready', `pod/${name}`, '-n', ns, `--timeout=${timeoutSeconds}s`], { timeoutMs: (timeoutSeconds + 10) * 1000 });
}

/** Polls the pod until `check` returns a value (neither undefined nor false). */
export function podEventually<T>(sys: System, ns: string, name: string, check: (pod: PodJson) => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  return eventually(async () => check(await getPod(sys, ns, name)), { timeoutMs, intervalMs: 250, what });
}

/** A pod of one busybox container, with a short grace period so that cleanup is quick; `extra` merges into the spec. */
export function busyboxPod(ns: string, name: string, script: string, extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: 1,
      ...extra,
      containers: [{ name: 'main', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script], ...container }],
    },
  };
}

/** A long-running kubectl (logs -f, port-forward) whose stdout is collected as it arrives. */
export interface KubectlChild {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches, or rejects naming what was awaited and what came. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<string>;
  stop(): void;
}

export function spawnKubectl(sys: System, args: string[]): KubectlChild {
  const proc = spawn('kubectl', args, { env: { ...process.env, KUBECONFIG: sys.kubeconfig, KUBECTL_VERSION: '1.32' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    async waitForOutput(pattern, timeoutMs) {
      try {
        return await eventually(() => (pattern.test(out) ? out : undefined), { timeoutMs, intervalMs: 50, what: `kubectl ${args.join(' ')} printing ${pattern}` });
      } catch (e) {
        throw new Error(`${(e as Error).message}\n--- stdout\n${out}\n--- stderr\n${err}\n--- exit code ${String(proc.exitCode)}`);
      }
    },
    stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill();
    },
  };
}

/** One line per change of the pod as `kubectl get -w` sees it, with when this process read it. */
export interface WatchedLine { at: number; line: string }

/**
 * `kubectl get pods -w` for the pod of this name, with the given output flags (e.g. `-o
 * jsonpath=…{"\n"}`, or `--no-headers` for the table row): the lines so far, each stamped with the
 * time it arrived. By field selector, so that it may start before the pod exists.
 */
export function watchPod(sys: System, ns: string, name: string, output: string[]): KubectlChild & { lines(): WatchedLine[] } {
  const child = spawnKubectl(sys, ['get', 'pods', '-n', ns, '--field-selector', `metadata.name=${name}`, '-w', ...output]);
  const lines: WatchedLine[] = [];
  let partial = '';
  child.proc.stdout!.on('data', (d: Buffer) => {
    partial += d.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    const at = Date.now();
    for (const line of parts) lines.push({ at, line });
  });
  return { ...child, lines: () => lines };
}

/** Seconds between two RFC 3339 times. */
export const secondsBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;
