// The Pod Security Standards checks as upstream's pod-security-admission 1.32 words and orders them.
import { describe, expect, it } from 'vitest';
import { evaluatePod, forbiddenDetail, policyFromLabels, enforceTightened, MAX_POLICY_VERSION, type PodSpec } from './policy.ts';
import { namespacePodWarnings } from './index.ts';

const detail = (level: 'baseline' | 'restricted', spec: PodSpec, version: number | 'latest' = 'latest', annotations?: Record<string, string>) =>
  forbiddenDetail(evaluatePod({ level, version }, { annotations }, spec));

const compliant = (extra: object = {}): PodSpec => ({
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'c', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, ...extra } }],
});

describe('pod security checks', () => {
  it('latest is the newest version any check was revised in (1.32)', () => {
    expect(MAX_POLICY_VERSION).toBe(32);
  });

  it('privileged allows everything', () => {
    expect(evaluatePod({ level: 'privileged', version: 'latest' }, {}, { hostPID: true, containers: [{ name: 'c', securityContext: { privileged: true } }] })).toEqual([]);
  });

  it('baseline names each violation with its details, in upstream\'s order', () => {
    expect(detail('baseline', {
      hostPID: true, hostIPC: true,
      securityContext: { sysctls: [{ name: 'kernel.msgmax' }, { name: 'net.ipv4.tcp_syncookies' }], seLinuxOptions: { type: 'spc_t', user: 'root' } },
      volumes: [{ name: 'host', hostPath: { path: '/' } }, { name: 'tmp', emptyDir: {} }],
      initContainers: [{ name: 'init', securityContext: { capabilities: { add: ['NET_ADMIN', 'CHOWN', 'SYS_TIME'] } } }],
      containers: [
        { name: 'a', ports: [{ hostPort: 80 }, { hostPort: 443 }], securityContext: { procMount: 'Unmasked', appArmorProfile: { type: 'Unconfined' } } },
        { name: 'b', securityContext: { seccompProfile: { type: 'Unconfined' }, windowsOptions: { hostProcess: true } } },
      ],
    }, 'latest', { 'container.apparmor.security.beta.kubernetes.io/b': 'unconfined' })).toBe([
      // Upstream quotes the annotation's value inside the quoted list without escaping.
      'forbidden AppArmor profiles (container "a" and annotation must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/b="unconfined"")',
      'non-default capabilities (container "init" must not include "NET_ADMIN", "SYS_TIME" in securityContext.capabilities.add)',
      'host namespaces (hostPID=true, hostIPC=true)',
      'hostPath volumes (volume "host")',
      'hostPort (container "a" uses hostPorts 443, 80)',
      'procMount (container "a" must not set securityContext.procMount to "Unmasked")',
      'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set)',
      'seccompProfile (container "b" must not set securityContext.seccompProfile.type to "Unconfined")',
      'forbidden sysctls (kernel.msgmax)',
      'hostProcess (container "b" must not set securityContext.windowsOptions.hostProcess=true)',
    ].join(', '));
  });

  it('restricted replaces the baseline capability, volume and seccomp checks with its own', () => {
    expect(detail('restricted', {
      ...compliant({ capabilities: { drop: ['NET_RAW'], add: ['NET_BIND_SERVICE', 'SYS_ADMIN'] }, runAsUser: 0 }),
      volumes: [{ name: 'host', hostPath: { path: '/' } }, { name: 'nfs', nfs: { server: 'x', path: '/' } }, { name: 'cm', configMap: { name: 'x' } }],
    })).toBe([
      'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]; container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add)',
      'restricted volume types (volumes "host", "nfs" use restricted volume types "hostPath", "nfs")',
      'runAsUser=0 (container "c" must not set runAsUser=0)',
    ].join(', '));
    expect(evaluatePod({ level: 'restricted', version: 'latest' }, {}, compliant())).toEqual([]);
  });

  it('evaluates the version asked for: checks and allowed values as they were then', () => {
    const root = compliant({ runAsUser: 0 });
    expect(detail('restricted', root, 22)).toBe('');
    expect(detail('restricted', root, 23)).toBe('runAsUser=0 (container "c" must not set runAsUser=0)');
    const sysctl: PodSpec = { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem' }] }, containers: [{ name: 'c' }] };
    expect(detail('baseline', sysctl, 31)).toBe('forbidden sysctls (net.ipv4.tcp_rmem)');
    expect(detail('baseline', sysctl, 32)).toBe('');
    expect(detail('baseline', sysctl, 40)).toBe('');
    // Before 1.19 seccomp was an annotation; before 1.22 restricted kept baseline's capability check.
    expect(detail('restricted', { containers: [{ name: 'c', securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false } }] }, 18, { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' }))
      .toBe('seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")');
  });

  it('pluralizes and quotes several containers', () => {
    expect(detail('baseline', { containers: [{ name: 'a', securityContext: { privileged: true } }, { name: 'b', securityContext: { privileged: true } }] }))
      .toBe('privileged (containers "a", "b" must not set securityContext.privileged=true)');
  });
});

describe('namespace labels', () => {
  it('warn follows a stricter enforce level unless set itself', () => {
    const { policy, errors } = policyFromLabels({ 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.25' });
    expect(errors).toEqual([]);
    expect(policy.enforce).toEqual({ level: 'baseline', version: 25 });
    expect(policy.warn).toEqual({ level: 'baseline', version: 25 });
    expect(policy.audit).toEqual({ level: 'privileged', version: 'latest' });
    expect(policyFromLabels({ 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'privileged' }).policy.warn.level).toBe('privileged');
  });

  it('a bad enforce level enforces restricted; bad audit and warn levels fail open', () => {
    const { policy, errors } = policyFromLabels({ 'pod-security.kubernetes.io/enforce': 'nope', 'pod-security.kubernetes.io/warn': 'nope', 'pod-security.kubernetes.io/audit-version': 'v2.0' });
    expect(policy.enforce.level).toBe('restricted');
    expect(policy.warn.level).toBe('privileged');
    expect(errors.map((e) => e.label)).toEqual(['pod-security.kubernetes.io/enforce', 'pod-security.kubernetes.io/audit-version', 'pod-security.kubernetes.io/warn']);
  });

  it('only a stricter or re-versioned enforce level checks the existing pods', () => {
    expect(enforceTightened({ level: 'baseline', version: 'latest' }, { level: 'restricted', version: 'latest' })).toBe(true);
    expect(enforceTightened({ level: 'restricted', version: 'latest' }, { level: 'baseline', version: 'latest' })).toBe(false);
    expect(enforceTightened({ level: 'baseline', version: 'latest' }, { level: 'privileged', version: 'latest' })).toBe(false);
    expect(enforceTightened({ level: 'baseline', version: 'latest' }, { level: 'baseline', version: 30 })).toBe(true);
  });

  it('summarises existing violations per distinct reason, one pod named', () => {
    const pod = (name: string, owner?: string, priv = true) => ({
      metadata: { name, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: owner, controller: true }] } : {}) },
      spec: { containers: [{ name: 'c', securityContext: { privileged: priv } }] },
    });
    expect(namespacePodWarnings('ns', { level: 'baseline', version: 'latest' }, [pod('z'), pod('b', 'rs'), pod('a', 'rs'), pod('fine', undefined, false)])).toEqual([
      'existing pods in namespace "ns" violate the new PodSecurity enforce level "baseline:latest"',
      'a (and 2 other pods): privileged',
    ]);
  });
});
