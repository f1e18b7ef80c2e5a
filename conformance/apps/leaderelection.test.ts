// Several controller managers and schedulers against one cluster take turns through Leases in
// kube-system, and a killed leader is replaced once its Lease runs out, as upstream's
// --leader-elect. Driven from outside: processes, kubectl, and the Lease objects.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { hostname } from 'node:os';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSystem, type System } from '../harness/system.ts';
import { kubectlOk } from '../harness/kubectl.ts';
import { eventually } from '../../test/eventually.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
let sys: System;
const procs: ChildProcess[] = [];

beforeAll(async () => { sys = await startSystem({ command: 'apiserver' }); });
afterAll(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  await sys?.stop();
});

function component(command: 'controller-manager' | 'scheduler'): ChildProcess {
  const p = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'cli', 'main.ts'), command, '--kubeconfig', sys.kubeconfig, '--leader-elect'], {
    cwd: root, stdio: ['ignore', 'ignore', 'pipe'],
  });
  p.stderr!.resume();
  procs.push(p);
  return p;
}

const holder = async (lease: string) => {
  const r = await kubectlOk(sys, ['get', 'lease', lease, '-n', 'kube-system', '-o', 'jsonpath={.spec.holderIdentity}']).catch(() => '');
  return r || undefined;
};

describe('leader election', () => {
  it('hands the controller manager over to the standby when the leader is killed, and the controllers keep working', async () => {
    const first = component('controller-manager');
    const leader = await eventually(() => holder('kube-controller-manager'), 30_000);
    expect(leader).toBe(`${hostname()}_${first.pid}`);
    const second = component('controller-manager');
    // The standby waits: the holder does not change while the leader renews.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await holder('kube-controller-manager')).toBe(leader);

    first.kill('SIGKILL');
    const next = await eventually(async () => { const h = await holder('kube-controller-manager'); return h && h !== leader ? h : undefined; }, 40_000);
    expect(next).toBe(`${hostname()}_${second.pid}`);
    // The new leader runs the controllers: a new namespace gets its default ServiceAccount.
    await kubectlOk(sys, ['create', 'namespace', 'after-handover']);
    await eventually(async () => (await kubectlOk(sys, ['get', 'sa', '-n', 'after-handover', '-o', 'name']).catch(() => '')).includes('serviceaccount/default') || undefined, 20_000);
    expect(Number(await kubectlOk(sys, ['get', 'lease', 'kube-controller-manager', '-n', 'kube-system', '-o', 'jsonpath={.spec.leaseTransitions}']))).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('does the same for the scheduler', async () => {
    const first = component('scheduler');
    const leader = await eventually(() => holder('kube-scheduler'), 30_000);
    const second = component('scheduler');
    first.kill('SIGKILL');
    const next = await eventually(async () => { const h = await holder('kube-scheduler'); return h && h !== leader ? h : undefined; }, 40_000);
    expect(next).toContain(`_${second.pid}`);
  }, 120_000);
});
