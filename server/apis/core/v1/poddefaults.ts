// Upstream's defaults for what lies beneath a pod spec's top level: containers (their pull policy,
// termination message, ports, probes, lifecycle handlers and downward-API references) and volume
// sources. The sources: SetDefaults_Container, _Probe, _HTTPGetAction, _ObjectFieldSelector,
// _Volume, _SecretVolumeSource, _ConfigMapVolumeSource, _DownwardAPIVolumeSource,
// _ProjectedVolumeSource, _ServiceAccountTokenProjection, _HostPathVolumeSource in
// pkg/apis/core/v1/defaults.go, and the `+default` markers of k8s.io/api core/v1 (container and
// service port protocol, gRPC probe service, RBD, iSCSI, Azure Disk and ScaleIO fields). Also what a
// Go zero value serialises to where the field has no omitempty effect (a resource field
// reference's divisor is a Quantity struct: "0"). Quantities are written in their canonical form,
// resource lists rounded up to milli units first (SetDefaults_ResourceList): `cpu: "0.5"` reads
// back `500m`, `memory: 1024Mi` reads back `1Gi`.
import { canonicalizeResourceList, quantityString } from '../../common/intstr.ts';
import type { Container } from './pods.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function objects(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

/** The mode of files a secret, config map, downward-API or projected volume writes: 0644. */
export const DEFAULT_VOLUME_MODE = 420;

/** A docker reference path component (lower case, separated by `.`, `_`, `__` or dashes). */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;

/**
 * The tag upstream's parsers.ParseImageName finds in an image reference: `latest` when there is
 * neither tag nor digest, empty when there is a digest but no tag, and empty when the reference
 * does not parse (upstream ignores the error there and so defaults the pull policy to IfNotPresent).
 */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const tag = colon > slash ? name.slice(colon + 1) : '';
  const repo = colon > slash ? name.slice(0, colon) : name;
  const parts = repo.split('/');
  // The first of several components is a registry when it looks like a host (a dot, a port, localhost, capitals).
  if (parts.length > 1 && (/[.:A-Z]/.test(parts[0]!) || parts[0] === 'localhost')) parts.shift();
  if (!parts.every((p) => PATH_COMPONENT.test(p))) return '';
  if (tag && !TAG.test(tag)) return '';
  if (tag) return tag;
  return at >= 0 ? '' : 'latest';
}

/** An ObjectFieldSelector's apiVersion, and a ResourceFieldSelector's divisor as a stored Quantity (zero: "0"). */
function defaultFieldRefs(holder: Obj): void {
  if (isObj(holder.fieldRef) && !holder.fieldRef.apiVersion) holder.fieldRef.apiVersion = 'v1';
  if (isObj(holder.resourceFieldRef)) {
    const d = holder.resourceFieldRef.divisor;
    holder.resourceFieldRef.divisor = d === undefined || d === null ? '0' : quantityString(d);
  }
}

/** A ResourceRequirements' lists, rounded and canonical. */
export function canonicalizeRequirements(r: unknown): void {
  if (!isObj(r)) return;
  canonicalizeResourceList(isObj(r.requests) ? r.requests : undefined);
  canonicalizeResourceList(isObj(r.limits) ? r.limits : undefined);
}

/** A probe's or lifecycle hook's handler: HTTP GETs go to `/` over HTTP; a gRPC probe's service is "". */
function defaultHandler(h: Obj): void {
  if (isObj(h.httpGet)) {
    if (!h.httpGet.path) h.httpGet.path = '/';
    if (!h.httpGet.scheme) h.httpGet.scheme = 'HTTP';
  }
  if (isObj(h.grpc) && (h.grpc.service === undefined || h.grpc.service === null)) h.grpc.service = '';
}

/** SetDefaults_Probe: a zero (or missing) timeout, period, success or failure threshold takes its default. */
function defaultProbe(p: Obj): void {
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
  defaultHandler(p);
}

/** SetDefaults_Container (also for init and ephemeral containers) and what a container holds. */
export function defaultContainer(c: Container): void {
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(String(c.image ?? '')) === 'latest' ? 'Always' : 'IfNotPresent';
  if (!c.resources) c.resources = {};
  canonicalizeRequirements(c.resources);
  for (const p of c.ports ?? []) if (!p.protocol) p.protocol = 'TCP';
  const raw = c as unknown as Obj;
  for (const env of objects(raw.env)) if (isObj(env.valueFrom)) defaultFieldRefs(env.valueFrom);
  for (const key of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const probe = raw[key];
    if (isObj(probe)) defaultProbe(probe);
  }
  if (isObj(raw.lifecycle)) {
    for (const key of ['postStart', 'preStop']) {
      const hook = raw.lifecycle[key];
      if (isObj(hook)) defaultHandler(hook);
    }
  }
}

/** The volume sources a pod volume and a persistent volume share, and their defaults. */
export function defaultVolumeSourceFields(source: Obj): void {
  if (isObj(source.hostPath) && (source.hostPath.type === undefined || source.hostPath.type === null)) source.hostPath.type = '';
  if (isObj(source.iscsi) && !source.iscsi.iscsiInterface) source.iscsi.iscsiInterface = 'default';
  if (isObj(source.rbd)) {
    if (!source.rbd.pool) source.rbd.pool = 'rbd';
    if (!source.rbd.user) source.rbd.user = 'admin';
    if (!source.rbd.keyring) source.rbd.keyring = '/etc/ceph/keyring';
  }
  if (isObj(source.azureDisk)) {
    const d = source.azureDisk;
    d.cachingMode ??= 'ReadWrite';
    d.fsType ??= 'ext4';
    d.readOnly ??= false;
    d.kind ??= 'Shared';
  }
  if (isObj(source.scaleIO)) {
    if (!source.scaleIO.storageMode) source.scaleIO.storageMode = 'ThinProvisioned';
    if (!source.scaleIO.fsType) source.scaleIO.fsType = 'xfs';
  }
}

/** SetDefaults_Volume and the defaults of each pod volume source. */
export function defaultVolume(v: Obj): void {
  // A volume that names no source at all is an emptyDir (ptr.AllPtrFieldsNil on the source).
  if (!Object.entries(v).some(([k, val]) => k !== 'name' && val !== undefined && val !== null)) v.emptyDir = {};
  defaultVolumeSourceFields(v);
  if (isObj(v.emptyDir) && v.emptyDir.sizeLimit !== undefined && v.emptyDir.sizeLimit !== null) v.emptyDir.sizeLimit = quantityString(v.emptyDir.sizeLimit);
  for (const key of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const src = v[key];
    if (isObj(src) && (src.defaultMode === undefined || src.defaultMode === null)) src.defaultMode = DEFAULT_VOLUME_MODE;
  }
  if (isObj(v.downwardAPI)) for (const item of objects(v.downwardAPI.items)) defaultFieldRefs(item);
  if (isObj(v.projected)) {
    for (const s of objects(v.projected.sources)) {
      if (isObj(s.downwardAPI)) for (const item of objects(s.downwardAPI.items)) defaultFieldRefs(item);
      if (isObj(s.serviceAccountToken) && (s.serviceAccountToken.expirationSeconds === undefined || s.serviceAccountToken.expirationSeconds === null)) {
        s.serviceAccountToken.expirationSeconds = 3600;
      }
    }
  }
  // A generic ephemeral volume's claim template is an embedded object meta and a claim spec.
  if (isObj(v.ephemeral) && isObj(v.ephemeral.volumeClaimTemplate)) {
    const t = v.ephemeral.volumeClaimTemplate;
    const meta = isObj(t.metadata) ? t.metadata : (t.metadata = {});
    if (meta.creationTimestamp === undefined) meta.creationTimestamp = null;
    if (isObj(t.spec)) {
      t.spec.volumeMode ??= 'Filesystem';
      canonicalizeRequirements(t.spec.resources);
    }
  }
}
