// What the storage files share: namespaces that are ready for pods, objects created through
// kubectl, pods run to completion and their logs read back, and a shell snippet that prints files
// the way upstream's mounttest does ("content of file …", "mode of file …"), so that assertions
// read like upstream's expected output.
import { expect } from 'vitest';
import type { System } from '../harness/system.ts';
import { kubectl, kubectlOk } from '../harness/kubectl.ts';
import { eventually } from '../../test/eventually.ts';

/** Kubernetes objects as plain JSON (what kubectl sends). */
export type Obj = Record<string, unknown>;

export { createNamespace, deleteNamespaces } from '../harness/pods.ts';

/** `kubectl create -f -` of one object or several, as a stream of JSON documents. */
export async function create(sys: System, ...objs: Obj[]): Promise<void> {
  await kubectlOk(sys, ['create', '-f', '-'], { input: objs.map((o) => JSON.stringify(o)).join('\n') });
}

/** `kubectl get … -o json`, parsed (an object or a list). */
export async function getJson<T = Obj>(sys: System, args: string[]): Promise<T> {
  return JSON.parse(await kubectlOk(sys, ['get', ...args, '-o', 'json'])) as T;
}

interface PodState {
  status?: {
    phase?: string;
    containerStatuses?: Array<{ name: string; state?: { waiting?: { reason?: string; message?: string }; terminated?: { exitCode?: number; reason?: string } } }>;
  };
}

/** What went wrong with a pod, for failure messages: its status and the events about it. */
async function podReport(sys: System, ns: string, name: string): Promise<string> {
  const pod = await kubectl(sys, ['get', 'pod', name, '-n', ns, '-o', 'jsonpath={.status}']);
  const events = await kubectl(sys, ['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name}`, '-o', 'custom-columns=REASON:.reason,MESSAGE:.message', '--no-headers']);
  return `pod ${ns}/${name} status: ${pod.stdout}\nevents:\n${events.stdout}`;
}

/** The messages of the events with `reason` about a pod, oldest first. */
export async function eventMessages(sys: System, ns: string, pod: string, reason: string): Promise<string[]> {
  const list = await getJson<{ items: Array<{ message?: string }> }>(sys, ['events', '-n', ns, '--field-selector', `involvedObject.name=${pod},reason=${reason}`]);
  return list.items.map((e) => e.message ?? '');
}

/** Waits until the pod's phase is one of `phases`; throws with the pod's status and events otherwise. */
export async function waitForPhase(sys: System, ns: string, name: string, phases: string[], timeoutMs = 90_000): Promise<PodState> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await kubectl(sys, ['get', 'pod', name, '-n', ns, '-o', 'json']);
    if (r.code === 0) {
      const pod = JSON.parse(r.stdout) as PodState;
      const phase = pod.status?.phase ?? '';
      if (phases.includes(phase)) return pod;
      if (phase === 'Failed' || phase === 'Succeeded') throw new Error(`pod ${ns}/${name} ended ${phase}, wanted ${phases.join('|')}\n${await podReport(sys, ns, name)}\n${await allLogs(sys, ns, name)}`);
    }
    if (Date.now() > end) throw new Error(`pod ${ns}/${name} not ${phases.join('|')} within ${timeoutMs} ms\n${await podReport(sys, ns, name)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function allLogs(sys: System, ns: string, name: string): Promise<string> {
  const r = await kubectl(sys, ['logs', name, '-n', ns, '--all-containers', '--prefix']);
  return `logs:\n${r.stdout}${r.stderr}`;
}

/** Creates a pod (restartPolicy Never), waits for it to succeed and returns each container's log. */
export async function runToCompletion(sys: System, ns: string, pod: Obj, timeoutMs = 90_000): Promise<Record<string, string>> {
  const meta = pod.metadata as { name: string };
  await create(sys, { apiVersion: 'v1', kind: 'Pod', ...pod, metadata: { ...meta, namespace: ns } });
  await waitForPhase(sys, ns, meta.name, ['Succeeded'], timeoutMs);
  const spec = pod.spec as { containers: Array<{ name: string }> };
  const logs: Record<string, string> = {};
  for (const c of spec.containers) logs[c.name] = await kubectlOk(sys, ['logs', meta.name, '-n', ns, '-c', c.name]);
  return logs;
}

/** Creates a pod and waits for it to be Running (its containers started). */
export async function startPod(sys: System, ns: string, pod: Obj, timeoutMs = 90_000): Promise<void> {
  const meta = pod.metadata as { name: string };
  await create(sys, { apiVersion: 'v1', kind: 'Pod', ...pod, metadata: { ...meta, namespace: ns } });
  await waitForPhase(sys, ns, meta.name, ['Running'], timeoutMs);
}

/** `kubectl exec` of a shell command; the exit code and output, never throwing. */
export async function exec(sys: System, ns: string, pod: string, container: string, script: string): Promise<{ code: number; out: string }> {
  const r = await kubectl(sys, ['exec', pod, '-n', ns, '-c', container, '--', 'sh', '-c', script]);
  return { code: r.code, out: r.stdout };
}

/** Polls `script` in the container until its output satisfies `ok`; returns that output. */
export async function execUntil(sys: System, ns: string, pod: string, container: string, script: string, ok: (out: string) => boolean, what: string, timeoutMs = 45_000): Promise<string> {
  let last = '';
  try {
    return await eventually(async () => {
      const r = await exec(sys, ns, pod, container, script);
      last = r.out;
      return ok(r.out) ? r.out : undefined;
    }, { timeoutMs, intervalMs: 300, what });
  } catch (e) {
    throw new Error(`${(e as Error).message}; last output of \`${script}\`:\n${last}\n${await podReport(sys, ns, pod)}`);
  }
}

/**
 * A shell function `show FILE…` printing each file's content and mode as upstream's mounttest
 * does (`content of file "/p": …`, `mode of file "/p": -rw-r--r--`, symlinks followed), plus
 * `group of file "/p": N`, and `missing file "/p"` for a file that is not there.
 */
export const SHOW = [
  'show() { for f in "$@"; do',
  '  if [ -e "$f" ]; then echo "content of file \\"$f\\": $(cat "$f")"; echo "mode of file \\"$f\\": $(stat -L -c %A "$f")"; echo "group of file \\"$f\\": $(stat -L -c %g "$f")";',
  '  else echo "missing file \\"$f\\""; fi; done; }',
].join('\n');

/** The container command running `script` after the SHOW function. */
export const shell = (script: string): string[] => ['sh', '-c', `${SHOW}\n${script}`];

/** Asserts that a container's log has every line given (each a whole line). */
export function expectLines(log: string, lines: string[]): void {
  const have = new Set(log.split('\n'));
  const missing = lines.filter((l) => !have.has(l));
  expect(missing, `lines missing from the log:\n${log}`).toEqual([]);
}

export const content = (file: string, value: string): string => `content of file "${file}": ${value}`;
export const mode = (file: string, m: string): string => `mode of file "${file}": ${m}`;
export const group = (file: string, gid: number): string => `group of file "${file}": ${gid}`;
export const missing = (file: string): string => `missing file "${file}"`;
