// The Pod Security Standards as checks (upstream staging/src/k8s.io/pod-security-admission/policy,
// release 1.32): each check belongs to the baseline or restricted level and has revisions by
// policy version; a restricted revision may replace a baseline check. Evaluating a level and
// version runs, in upstream's order (baseline check IDs sorted, then restricted IDs sorted), the
// revision of every check in force at that version. Pure functions over a pod's metadata and spec.
import { compareGoStrings, goQuote } from '../../../machinery/goformat.ts';

export type Level = 'privileged' | 'baseline' | 'restricted';
/** A policy version: the minor version of 1.x, or "latest". */
export type Version = number | 'latest';
export interface LevelVersion { level: Level; version: Version }

export const versionString = (v: Version): string => (v === 'latest' ? 'latest' : `v1.${v}`);
export const levelVersionString = (lv: LevelVersion): string => `${lv.level}:${versionString(lv.version)}`;

interface SecurityContext {
  privileged?: boolean | null;
  allowPrivilegeEscalation?: boolean | null;
  capabilities?: { add?: string[] | null; drop?: string[] | null } | null;
  procMount?: string | null;
  seccompProfile?: { type?: string } | null;
  appArmorProfile?: { type?: string } | null;
  seLinuxOptions?: { type?: string; user?: string; role?: string } | null;
  runAsNonRoot?: boolean | null;
  runAsUser?: number | null;
  windowsOptions?: { hostProcess?: boolean | null } | null;
}
export interface Container { name?: string; securityContext?: SecurityContext | null; ports?: Array<{ hostPort?: number | null }> | null }
export interface PodSpec {
  hostNetwork?: boolean | null; hostPID?: boolean | null; hostIPC?: boolean | null;
  os?: { name?: string } | null;
  securityContext?: (SecurityContext & { sysctls?: Array<{ name?: string }> | null }) | null;
  containers?: Container[] | null; initContainers?: Container[] | null; ephemeralContainers?: Container[] | null;
  volumes?: Array<Record<string, unknown> & { name?: string }> | null;
}
export interface PodMeta { annotations?: Record<string, string> | null }

export interface CheckResult { allowed: boolean; reason?: string; detail?: string }
type CheckFn = (meta: PodMeta, spec: PodSpec) => CheckResult;
interface Check { id: string; level: 'baseline' | 'restricted'; versions: Array<{ min: number; fn: CheckFn; overrides?: string[] }> }

const ALLOWED: CheckResult = { allowed: true };
const forbid = (reason: string, detail: string): CheckResult => ({ allowed: false, reason, detail });

/** Init containers, containers, then ephemeral containers (upstream's visitContainers). */
function containersOf(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}
const joinQuote = (items: readonly string[]) => (items.length ? `"${items.join('", "')}"` : '');
const pluralize = (singular: string, plural: string, n: number) => (n === 1 ? singular : plural);
const containersPhrase = (names: readonly string[]) => `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
const sortedSet = (s: Set<string>) => [...s].sort(compareGoStrings);
const names = (cs: Container[]) => cs.map((c) => c.name ?? '');
const isWindows = (spec: PodSpec) => spec.os?.name === 'windows';

// ---- baseline ----

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function appArmorProfile(meta: PodMeta, spec: PodSpec): CheckResult {
  const okType = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';
  const badSetters: string[] = [];
  const badValues = new Set<string>();
  const podProfile = spec.securityContext?.appArmorProfile;
  if (podProfile && !okType(podProfile.type)) { badSetters.push('pod'); badValues.add(podProfile.type ?? ''); }
  const bad = containersOf(spec).filter((c) => {
    const p = c.securityContext?.appArmorProfile;
    if (!p || okType(p.type)) return false;
    badValues.add(p.type ?? '');
    return true;
  });
  if (bad.length) badSetters.push(containersPhrase(names(bad)));
  const badAnnotations: string[] = [];
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    if (k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !(v === '' || v === 'runtime/default' || v.startsWith('localhost/'))) badAnnotations.push(`${k}=${goQuote(v)}`);
  }
  const values = sortedSet(badValues);
  if (badAnnotations.length) {
    values.push(...badAnnotations.sort(compareGoStrings));
    badSetters.push(pluralize('annotation', 'annotations', badAnnotations.length));
  }
  if (!badSetters.length) return ALLOWED;
  return forbid(pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length),
    `${badSetters.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}`);
}

const DEFAULT_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

function capabilitiesBaseline(_meta: PodMeta, spec: PodSpec): CheckResult {
  const extra = new Set<string>();
  const bad = containersOf(spec).filter((c) => {
    const added = (c.securityContext?.capabilities?.add ?? []).filter((x) => !DEFAULT_CAPABILITIES.has(x));
    for (const x of added) extra.add(x);
    return added.length > 0;
  });
  if (!bad.length) return ALLOWED;
  return forbid('non-default capabilities', `${containersPhrase(names(bad))} must not include ${joinQuote(sortedSet(extra))} in securityContext.capabilities.add`);
}

function hostNamespaces(_meta: PodMeta, spec: PodSpec): CheckResult {
  const set: string[] = [];
  if (spec.hostNetwork) set.push('hostNetwork=true');
  if (spec.hostPID) set.push('hostPID=true');
  if (spec.hostIPC) set.push('hostIPC=true');
  return set.length ? forbid('host namespaces', set.join(', ')) : ALLOWED;
}

function hostPathVolumes(_meta: PodMeta, spec: PodSpec): CheckResult {
  const bad = (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name ?? '');
  return bad.length ? forbid('hostPath volumes', `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}`) : ALLOWED;
}

function hostPorts(_meta: PodMeta, spec: PodSpec): CheckResult {
  const ports = new Set<string>();
  const bad = containersOf(spec).filter((c) => {
    const used = (c.ports ?? []).filter((p) => p.hostPort);
    for (const p of used) ports.add(String(p.hostPort));
    return used.length > 0;
  });
  if (!bad.length) return ALLOWED;
  return forbid('hostPort', `${containersPhrase(names(bad))} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', ports.size)} ${sortedSet(ports).join(', ')}`);
}

function privileged(_meta: PodMeta, spec: PodSpec): CheckResult {
  const bad = containersOf(spec).filter((c) => c.securityContext?.privileged === true);
  return bad.length ? forbid('privileged', `${containersPhrase(names(bad))} must not set securityContext.privileged=true`) : ALLOWED;
}

function procMount(_meta: PodMeta, spec: PodSpec): CheckResult {
  const types = new Set<string>();
  const bad = containersOf(spec).filter((c) => {
    const pm = c.securityContext?.procMount;
    if (pm === undefined || pm === null || pm === 'Default') return false;
    types.add(pm);
    return true;
  });
  return bad.length ? forbid('procMount', `${containersPhrase(names(bad))} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`) : ALLOWED;
}

function seLinuxOptions(allowedTypes: Set<string>): CheckFn {
  return (_meta, spec) => {
    const badTypes = new Set<string>();
    let setUser = false;
    let setRole = false;
    const valid = (o: { type?: string; user?: string; role?: string }) => {
      let ok = true;
      if (!allowedTypes.has(o.type ?? '')) { ok = false; badTypes.add(o.type ?? ''); }
      if (o.user) { ok = false; setUser = true; }
      if (o.role) { ok = false; setRole = true; }
      return ok;
    };
    const badSetters: string[] = [];
    const podOpts = spec.securityContext?.seLinuxOptions;
    if (podOpts && !valid(podOpts)) badSetters.push('pod');
    const bad = containersOf(spec).filter((c) => c.securityContext?.seLinuxOptions && !valid(c.securityContext.seLinuxOptions));
    if (bad.length) badSetters.push(containersPhrase(names(bad)));
    if (!badSetters.length) return ALLOWED;
    const data: string[] = [];
    if (badTypes.size) data.push(`${pluralize('type', 'types', badTypes.size)} ${joinQuote(sortedSet(badTypes))}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return forbid('seLinuxOptions', `${badSetters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`);
  };
}
const SELINUX_TYPES_1_0 = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SELINUX_TYPES_1_31 = new Set([...SELINUX_TYPES_1_0, 'container_engine_t']);

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
const validSeccomp = (t: string | undefined) => t === 'Localhost' || t === 'RuntimeDefault';

/** Before 1.19, seccomp was set by annotations. */
function seccompBaseline_1_0(meta: PodMeta, spec: PodSpec): CheckResult {
  const okValue = (v: string) => v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
  const bad = new Set<string>();
  const annotations = meta.annotations ?? {};
  const podValue = annotations[SECCOMP_POD_ANNOTATION];
  if (podValue !== undefined && !okValue(podValue)) bad.add(`${SECCOMP_POD_ANNOTATION}=${goQuote(podValue)}`);
  for (const c of containersOf(spec)) {
    const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + (c.name ?? '');
    const v = annotations[key];
    if (v !== undefined && !okValue(v)) bad.add(`${key}=${goQuote(v)}`);
  }
  return bad.size ? forbid('seccompProfile', `forbidden ${pluralize('annotation', 'annotations', bad.size)} ${sortedSet(bad).join(', ')}`) : ALLOWED;
}

/** Pod and container seccomp types: restricted also requires one to be set everywhere. */
function seccompProfile(requireSet: boolean): CheckFn {
  return (_meta, spec) => {
    const badSetters: string[] = [];
    const badValues = new Set<string>();
    let podSet = false;
    const podProfile = spec.securityContext?.seccompProfile;
    if (podProfile) {
      if (!validSeccomp(podProfile.type)) { badSetters.push('pod'); badValues.add(podProfile.type ?? ''); } else podSet = true;
    }
    const explicit: string[] = [];
    const implicit: string[] = [];
    for (const c of containersOf(spec)) {
      const p = c.securityContext?.seccompProfile;
      if (p) {
        if (!validSeccomp(p.type)) { explicit.push(c.name ?? ''); badValues.add(p.type ?? ''); }
      } else if (!podSet) implicit.push(c.name ?? '');
    }
    if (explicit.length) badSetters.push(containersPhrase(explicit));
    if (badSetters.length) return forbid('seccompProfile', `${badSetters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}`);
    if (requireSet && implicit.length) {
      return forbid('seccompProfile', `pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
    }
    return ALLOWED;
  };
}

const SYSCTLS_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [...SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

function sysctls(allowed: readonly string[]): CheckFn {
  const set = new Set(allowed);
  return (_meta, spec) => {
    const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name ?? '').filter((n) => !set.has(n));
    return bad.length ? forbid('forbidden sysctls', bad.join(', ')) : ALLOWED;
  };
}

function windowsHostProcess(_meta: PodMeta, spec: PodSpec): CheckResult {
  const setters: string[] = [];
  if (spec.securityContext?.windowsOptions?.hostProcess === true) setters.push('pod');
  const bad = containersOf(spec).filter((c) => c.securityContext?.windowsOptions?.hostProcess === true);
  if (bad.length) setters.push(containersPhrase(names(bad)));
  return setters.length ? forbid('hostProcess', `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`) : ALLOWED;
}

// ---- restricted ----

function allowPrivilegeEscalation(skipWindows: boolean): CheckFn {
  return (_meta, spec) => {
    if (skipWindows && isWindows(spec)) return ALLOWED;
    const bad = containersOf(spec).filter((c) => c.securityContext?.allowPrivilegeEscalation !== false);
    return bad.length ? forbid('allowPrivilegeEscalation != false', `${containersPhrase(names(bad))} must set securityContext.allowPrivilegeEscalation=false`) : ALLOWED;
  };
}

function capabilitiesRestricted(skipWindows: boolean): CheckFn {
  return (_meta, spec) => {
    if (skipWindows && isWindows(spec)) return ALLOWED;
    const missingDrop: string[] = [];
    const adding: string[] = [];
    const forbidden = new Set<string>();
    for (const c of containersOf(spec)) {
      const caps = c.securityContext?.capabilities;
      if (!caps) { missingDrop.push(c.name ?? ''); continue; }
      if (!(caps.drop ?? []).includes('ALL')) missingDrop.push(c.name ?? '');
      const extra = (caps.add ?? []).filter((x) => x !== 'NET_BIND_SERVICE');
      for (const x of extra) forbidden.add(x);
      if (extra.length) adding.push(c.name ?? '');
    }
    const details: string[] = [];
    if (missingDrop.length) details.push(`${containersPhrase(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
    if (adding.length) details.push(`${containersPhrase(adding)} must not include ${joinQuote(sortedSet(forbidden))} in securityContext.capabilities.add`);
    return details.length ? forbid('unrestricted capabilities', details.join('; ')) : ALLOWED;
  };
}

const ALLOWED_VOLUME_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const RESTRICTED_VOLUME_SOURCES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder', 'cephfs',
  'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos',
];

function restrictedVolumes(_meta: PodMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const v of spec.volumes ?? []) {
    const has = (k: string) => v[k] !== undefined && v[k] !== null;
    if (ALLOWED_VOLUME_SOURCES.some(has)) continue;
    bad.push(v.name ?? '');
    types.add(RESTRICTED_VOLUME_SOURCES.find(has) ?? 'unknown');
  }
  if (!bad.length) return ALLOWED;
  return forbid('restricted volume types',
    `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', types.size)} ${joinQuote(sortedSet(types))}`);
}

function runAsNonRoot(_meta: PodMeta, spec: PodSpec): CheckResult {
  const badSetters: string[] = [];
  let podNonRoot = false;
  const podValue = spec.securityContext?.runAsNonRoot;
  if (podValue !== undefined && podValue !== null) {
    if (!podValue) badSetters.push('pod'); else podNonRoot = true;
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of containersOf(spec)) {
    const v = c.securityContext?.runAsNonRoot;
    if (v !== undefined && v !== null) { if (!v) explicit.push(c.name ?? ''); } else if (!podNonRoot) implicit.push(c.name ?? '');
  }
  if (explicit.length) badSetters.push(containersPhrase(explicit));
  if (badSetters.length) return forbid('runAsNonRoot != true', `${badSetters.join(' and ')} must not set securityContext.runAsNonRoot=false`);
  if (implicit.length) return forbid('runAsNonRoot != true', `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true`);
  return ALLOWED;
}

function runAsUser(_meta: PodMeta, spec: PodSpec): CheckResult {
  const setters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) setters.push('pod');
  const bad = containersOf(spec).filter((c) => c.securityContext?.runAsUser === 0);
  if (bad.length) setters.push(containersPhrase(names(bad)));
  return setters.length ? forbid('runAsUser=0', `${setters.join(' and ')} must not set runAsUser=0`) : ALLOWED;
}

const seccompRestricted = seccompProfile(true);

const CHECKS: Check[] = [
  { id: 'appArmorProfile', level: 'baseline', versions: [{ min: 0, fn: appArmorProfile }] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [{ min: 0, fn: capabilitiesBaseline }] },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ min: 0, fn: hostNamespaces }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ min: 0, fn: hostPathVolumes }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ min: 0, fn: hostPorts }] },
  { id: 'privileged', level: 'baseline', versions: [{ min: 0, fn: privileged }] },
  { id: 'procMount', level: 'baseline', versions: [{ min: 0, fn: procMount }] },
  { id: 'seLinuxOptions', level: 'baseline', versions: [{ min: 0, fn: seLinuxOptions(SELINUX_TYPES_1_0) }, { min: 31, fn: seLinuxOptions(SELINUX_TYPES_1_31) }] },
  { id: 'seccompProfile_baseline', level: 'baseline', versions: [{ min: 0, fn: seccompBaseline_1_0 }, { min: 19, fn: seccompProfile(false) }] },
  { id: 'sysctls', level: 'baseline', versions: [{ min: 0, fn: sysctls(SYSCTLS_1_0) }, { min: 27, fn: sysctls(SYSCTLS_1_27) }, { min: 29, fn: sysctls(SYSCTLS_1_29) }, { min: 32, fn: sysctls(SYSCTLS_1_32) }] },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ min: 0, fn: windowsHostProcess }] },
  { id: 'allowPrivilegeEscalation', level: 'restricted', versions: [{ min: 8, fn: allowPrivilegeEscalation(false) }, { min: 25, fn: allowPrivilegeEscalation(true) }] },
  {
    id: 'capabilities_restricted', level: 'restricted',
    versions: [{ min: 22, fn: capabilitiesRestricted(false), overrides: ['capabilities_baseline'] }, { min: 25, fn: capabilitiesRestricted(true), overrides: ['capabilities_baseline'] }],
  },
  { id: 'restrictedVolumes', level: 'restricted', versions: [{ min: 0, fn: restrictedVolumes, overrides: ['hostPathVolumes'] }] },
  { id: 'runAsNonRoot', level: 'restricted', versions: [{ min: 0, fn: runAsNonRoot }] },
  { id: 'runAsUser', level: 'restricted', versions: [{ min: 23, fn: runAsUser }] },
  {
    id: 'seccompProfile_restricted', level: 'restricted',
    versions: [{ min: 19, fn: seccompRestricted, overrides: ['seccompProfile_baseline'] }, { min: 25, fn: (m, s) => (isWindows(s) ? ALLOWED : seccompRestricted(m, s)), overrides: ['seccompProfile_baseline'] }],
  },
];

/** The newest version any check has a revision for: "latest" and later versions evaluate as it. */
export const MAX_POLICY_VERSION = Math.max(...CHECKS.flatMap((c) => c.versions.map((v) => v.min)));

const ORDER = [
  ...CHECKS.filter((c) => c.level === 'baseline').map((c) => c.id).sort(compareGoStrings),
  ...CHECKS.filter((c) => c.level === 'restricted').map((c) => c.id).sort(compareGoStrings),
];

/** The revision of a check in force at a version, if any. */
const revisionAt = (c: Check, v: number) => [...c.versions].reverse().find((r) => r.min <= v);

/** The checks a level and version runs, in upstream's order. */
function checksFor(lv: LevelVersion): CheckFn[] {
  if (lv.level === 'privileged') return [];
  const v = lv.version === 'latest' || lv.version > MAX_POLICY_VERSION ? MAX_POLICY_VERSION : lv.version;
  const inForce = new Map<string, { fn: CheckFn; overrides?: string[] }>();
  for (const c of CHECKS) {
    if (c.level === 'restricted' && lv.level !== 'restricted') continue;
    const r = revisionAt(c, v);
    if (r) inForce.set(c.id, r);
  }
  const overridden = new Set([...inForce.values()].flatMap((r) => r.overrides ?? []));
  return ORDER.filter((id) => inForce.has(id) && !overridden.has(id)).map((id) => inForce.get(id)!.fn);
}

/** The failed checks of a pod at a level and version (upstream's EvaluatePod then AggregateCheckResults). */
export function evaluatePod(lv: LevelVersion, meta: PodMeta, spec: PodSpec): Array<{ reason: string; detail: string }> {
  return checksFor(lv).map((fn) => fn(meta, spec)).filter((r) => !r.allowed)
    .map((r) => ({ reason: r.reason || 'unknown forbidden reason', detail: r.detail ?? '' }));
}

/** `privileged (container "c" must not …), host namespaces (hostNetwork=true)` (upstream's ForbiddenDetail). */
export const forbiddenDetail = (failed: ReadonlyArray<{ reason: string; detail: string }>): string =>
  failed.map((f) => (f.detail ? `${f.reason} (${f.detail})` : f.reason)).join(', ');

/** `privileged, host namespaces` (upstream's ForbiddenReason). */
export const forbiddenReason = (failed: ReadonlyArray<{ reason: string }>): string => failed.map((f) => f.reason).join(', ');

// ---- namespace labels ----

export const ENFORCE_LEVEL_LABEL = 'pod-security.kubernetes.io/enforce';
export const ENFORCE_VERSION_LABEL = 'pod-security.kubernetes.io/enforce-version';
export const AUDIT_LEVEL_LABEL = 'pod-security.kubernetes.io/audit';
export const AUDIT_VERSION_LABEL = 'pod-security.kubernetes.io/audit-version';
export const WARN_LEVEL_LABEL = 'pod-security.kubernetes.io/warn';
export const WARN_VERSION_LABEL = 'pod-security.kubernetes.io/warn-version';

export interface Policy { enforce: LevelVersion; audit: LevelVersion; warn: LevelVersion }
export const DEFAULT_POLICY: Policy = {
  enforce: { level: 'privileged', version: 'latest' },
  audit: { level: 'privileged', version: 'latest' },
  warn: { level: 'privileged', version: 'latest' },
};

const LEVELS: Level[] = ['privileged', 'baseline', 'restricted'];
const strictness = (l: Level) => LEVELS.indexOf(l);

/** A bad label, as a field error's parts. */
export interface LabelError { label: string; value: string; detail: string }

/**
 * The policy a namespace's labels select (upstream's PolicyToEvaluate): a bad enforce level
 * enforces restricted, bad audit and warn levels fail open, a bad version means latest; warn
 * follows an enforce level stricter than it unless set itself.
 */
export function policyFromLabels(labels: Record<string, string> | undefined | null, defaults: Policy = DEFAULT_POLICY): { policy: Policy; errors: LabelError[] } {
  const p: Policy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errs: LabelError[] = [];
  if (!labels) return { policy: p, errors: errs };
  const level = (label: string, failOpen: boolean): Level | undefined => {
    const v = labels[label];
    if (v === undefined) return undefined;
    if ((LEVELS as string[]).includes(v)) return v as Level;
    errs.push({ label, value: v, detail: `must be one of ${LEVELS.join(', ')}` });
    return failOpen ? 'privileged' : 'restricted';
  };
  const version = (label: string): Version | undefined => {
    const v = labels[label];
    if (v === undefined) return undefined;
    if (v === 'latest') return 'latest';
    const m = /^v1\.(0|[1-9][0-9]*)$/.exec(v);
    if (m && Number.isSafeInteger(Number(m[1]))) return Number(m[1]);
    errs.push({ label, value: v, detail: 'must be "latest" or "v1.x"' });
    return 'latest';
  };
  const enforceLevelValid = labels[ENFORCE_LEVEL_LABEL] !== undefined && (LEVELS as string[]).includes(labels[ENFORCE_LEVEL_LABEL]!);
  const el = level(ENFORCE_LEVEL_LABEL, false); if (el) p.enforce.level = el;
  const ev = version(ENFORCE_VERSION_LABEL); if (ev !== undefined) p.enforce.version = ev;
  const al = level(AUDIT_LEVEL_LABEL, true); if (al) p.audit.level = al;
  const av = version(AUDIT_VERSION_LABEL); if (av !== undefined) p.audit.version = av;
  const wl = level(WARN_LEVEL_LABEL, true); if (wl) p.warn.level = wl;
  const wv = version(WARN_VERSION_LABEL); if (wv !== undefined) p.warn.version = wv;
  if (labels[WARN_LEVEL_LABEL] === undefined && enforceLevelValid && strictness(p.enforce.level) > strictness(p.warn.level)) {
    p.warn.level = p.enforce.level;
    if (labels[WARN_VERSION_LABEL] === undefined) p.warn.version = p.enforce.version;
  }
  return { policy: p, errors: errs };
}

export const fullyPrivileged = (p: Policy): boolean =>
  p.enforce.level === 'privileged' && p.audit.level === 'privileged' && p.warn.level === 'privileged';

export const sameLevelVersion = (a: LevelVersion, b: LevelVersion): boolean => a.level === b.level && a.version === b.version;

/** Whether `next` enforces something `prev` did not (upstream's test before dry-running a namespace's pods). */
export function enforceTightened(prev: LevelVersion, next: LevelVersion): boolean {
  if (sameLevelVersion(prev, next) || next.level === 'privileged') return false;
  return !(next.version === prev.version && strictness(next.level) <= strictness(prev.level));
}
