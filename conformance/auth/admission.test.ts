// Admission as kubectl meets it: ResourceQuota holding the line under concurrent creates, and
// Pod Security admission enforcing the namespace's level, each refusal in upstream's words.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSystem, type System } from '../harness/system.ts';
import { kubectl, kubectlOk } from '../harness/kubectl.ts';
import { eventually } from '../../test/eventually.ts';

let sys: System;
let nsSeq = 0;
const ns = async () => {
  const name = `adm-${nsSeq++}`;
  await kubectlOk(sys, ['create', 'namespace', name]);
  return name;
};

beforeAll(async () => { sys = await startSystem(); });
afterAll(async () => { await sys?.stop(); });

const pod = (n: string, name: string, spec: Record<string, unknown> = {}, containerExtra: Record<string, unknown> = {}) => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: n },
  spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'], ...containerExtra }], ...spec },
});

/** Waits for the quota controller to have filled status.hard, which admission needs (as upstream). */
async function quotaReady(n: string, name: string): Promise<void> {
  await eventually(async () => {
    const q = JSON.parse(await kubectlOk(sys, ['get', 'resourcequota', name, '-n', n, '-o', 'json'])) as { spec: { hard: object }; status?: { hard?: object; used?: object } };
    return q.status?.hard !== undefined && q.status.used !== undefined && JSON.stringify(q.status.hard) === JSON.stringify(q.spec.hard);
  }, { what: `quota ${name} status`, timeoutMs: 15_000 });
}

describe('ResourceQuota', () => {
  it('admits exactly n pods under 20 concurrent creates and refuses the rest with upstream\'s message', async () => {
    const n = await ns();
    await kubectlOk(sys, ['create', 'quota', 'pod-count', '--hard=pods=5', '-n', n]);
    await quotaReady(n, 'pod-count');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => kubectl(sys, ['create', '-f', '-'], { input: pod(n, `p${i}`) })));
    const created = results.filter((r) => r.code === 0);
    const refused = results.map((r, i) => ({ r, i })).filter(({ r }) => r.code !== 0);
    expect(created.length).toBe(5);
    expect(refused.length).toBe(15);
    for (const { r, i } of refused) {
      expect(r.stderr.trim()).toBe(`Error from server (Forbidden): error when creating "STDIN": pods "p${i}" is forbidden: exceeded quota: pod-count, requested: pods=1, used: pods=5, limited: pods=5`);
    }
    expect((await kubectlOk(sys, ['get', 'pods', '-n', n, '-o', 'name'])).trim().split('\n')).toHaveLength(5);
    await eventually(async () => (await kubectlOk(sys, ['get', 'quota', 'pod-count', '-n', n, '-o', 'jsonpath={.status.used.pods}'])) === '5', { what: 'status.used.pods=5' });
  });

  it('counts compute requests: refuses a pod whose CPU request would pass the quota, and one that names none', async () => {
    const n = await ns();
    await kubectlOk(sys, ['create', 'quota', 'compute', '--hard=requests.cpu=1,limits.memory=1Gi', '-n', n]);
    await quotaReady(n, 'compute');
    const sized = { resources: { requests: { cpu: '600m' }, limits: { memory: '256Mi' } } };
    await kubectlOk(sys, ['create', '-f', '-'], { input: pod(n, 'first', {}, sized) });
    const second = await kubectl(sys, ['create', '-f', '-'], { input: pod(n, 'second', {}, sized) });
    expect(second.stderr.trim()).toBe('Error from server (Forbidden): error when creating "STDIN": pods "second" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1');
    const bare = await kubectl(sys, ['create', '-f', '-'], { input: pod(n, 'bare') });
    expect(bare.stderr.trim()).toBe('Error from server (Forbidden): error when creating "STDIN": pods "bare" is forbidden: failed quota: compute: must specify limits.memory for: c; requests.cpu for: c');
    expect(await kubectlOk(sys, ['get', 'pods', '-n', n, '-o', 'name'])).toBe('pod/first\n');
  });
});

describe('Pod Security admission', () => {
  it('rejects a privileged pod in a restricted namespace with upstream\'s message, and admits a compliant one', async () => {
    const n = await ns();
    await kubectlOk(sys, ['label', 'namespace', n, 'pod-security.kubernetes.io/enforce=restricted']);
    const privileged = await kubectl(sys, ['create', '-f', '-'], { input: pod(n, 'privileged', {}, { securityContext: { privileged: true } }) });
    expect(privileged.code).not.toBe(0);
    expect(privileged.stderr.trim()).toBe('Error from server (Forbidden): error when creating "STDIN": pods "privileged" is forbidden: violates PodSecurity "restricted:latest": '
      + 'privileged (container "c" must not set securityContext.privileged=true), '
      + 'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), '
      + 'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), '
      + 'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), '
      + 'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")');
    const compliant = pod(n, 'compliant',
      { securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } } },
      { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } });
    expect(await kubectlOk(sys, ['create', '-f', '-'], { input: compliant })).toBe('pod/compliant created\n');
    expect(await kubectlOk(sys, ['get', 'pods', '-n', n, '-o', 'name'])).toBe('pod/compliant\n');
  });

  it('rejects at baseline only what baseline forbids, and warns for the restricted level', async () => {
    const n = await ns();
    await kubectlOk(sys, ['label', 'namespace', n, 'pod-security.kubernetes.io/enforce=baseline', 'pod-security.kubernetes.io/warn=restricted']);
    const hostNet = await kubectl(sys, ['create', '-f', '-'], { input: pod(n, 'host-net', { hostNetwork: true }) });
    // Only the error: upstream adds no warnings to a request it rejects.
    expect(hostNet.stderr.trim()).toBe('Error from server (Forbidden): error when creating "STDIN": pods "host-net" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)');
    const plain = await kubectl(sys, ['create', '-f', '-'], { input: pod(n, 'plain') });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe('pod/plain created\n');
    expect(plain.stderr.trim()).toBe('Warning: would violate PodSecurity "restricted:latest": '
      + 'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), '
      + 'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), '
      + 'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), '
      + 'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")');
  });
});
