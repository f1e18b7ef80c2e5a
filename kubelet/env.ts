// What a container's process sees: its environment (upstream's makeEnvironmentVariables and
// getServiceEnvVarMap in pkg/kubelet/kubelet_pods.go, envvars.FromServices), `$(VAR)` expansion
// (third_party/forked/golang/expansion) in env values, command, args and subPathExpr, and the
// downward API values (fieldRef, resourceFieldRef) that env and downwardAPI volumes share.
// Resolution failures are ContainerConfigErrors carrying upstream's messages; the pod worker turns
// them into the CreateContainerConfigError waiting reason.
import type { V1ConfigMap, V1Container, V1Pod, V1ResourceFieldSelector, V1Secret, V1Service, V1VolumeMount } from '@kubernetes/client-node';
import { goQuote } from '../machinery/goformat.ts';
import { parseQuantity, type Quantity } from '../machinery/quantity.ts';

/** A container cannot be configured (upstream's ErrCreateContainerConfig); the message is upstream's. */
export class ContainerConfigError extends Error {}

/** A ConfigMap or Secret that does not exist; the message is the kubelet's (`configmap "x" not found`). */
export class ObjectNotFoundError extends Error {
  readonly notFound = true;
  constructor(kind: 'configmap' | 'secret', name: string) {
    super(`${kind} "${name}" not found`);
  }
}

export const isObjectNotFound = (e: unknown): boolean => (e as { notFound?: boolean } | undefined)?.notFound === true;

// ---- $(VAR) expansion ----

/** What `$(name)` becomes; upstream leaves an unknown reference as written. */
export type Mapping = (name: string) => string;

/** A mapping over maps tried in order; a name none defines stays `$(name)` (upstream's MappingFuncFor). */
export function mappingFor(...contexts: Array<ReadonlyMap<string, string>>): Mapping {
  return (name) => {
    for (const c of contexts) {
      const v = c.get(name);
      if (v !== undefined) return v;
    }
    return `$(${name})`;
  };
}

/**
 * Upstream's expansion.Expand: `$(name)` is replaced through `mapping`, `$$` is a literal `$`,
 * an unterminated `$(` and a `$` before anything else stay as written.
 */
export function expand(input: string, mapping: Mapping): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    let advance = 1;
    if (next === '$') out += '$';
    else if (next === '(') {
      const close = input.indexOf(')', cursor + 2);
      if (close >= 0) {
        out += mapping(input.slice(cursor + 2, close));
        advance = close - cursor;
      } else out += '$(';
    } else out += `$${next}`;
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

// ---- service links ----

/** envvars' makeEnvVariableName: upper case, `.` and `-` to `_`, a leading digit gets `_`. */
export function envVarName(s: string): string {
  const n = s.replace(/[.-]/g, '_').toUpperCase();
  return /^[0-9]/.test(n) ? `_${n}` : n;
}

const hasClusterIP = (s: V1Service) => !!s.spec?.clusterIP && s.spec.clusterIP !== 'None';
const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** envvars.FromServices: FOO_SERVICE_HOST/_PORT, named ports, and the Docker-link variables. */
export function serviceEnvVars(services: V1Service[]): Array<{ name: string; value: string }> {
  const out: Array<{ name: string; value: string }> = [];
  for (const svc of services) {
    if (!hasClusterIP(svc)) continue;
    const prefix = envVarName(svc.metadata?.name ?? '');
    const ip = svc.spec!.clusterIP!;
    const ports = svc.spec?.ports ?? [];
    out.push({ name: `${prefix}_SERVICE_HOST`, value: ip });
    if (ports.length === 0) continue;
    out.push({ name: `${prefix}_SERVICE_PORT`, value: String(ports[0]!.port) });
    for (const p of ports) if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${envVarName(p.name)}`, value: String(p.port) });
    ports.forEach((p, i) => {
      const proto = (p.protocol || 'TCP').toLowerCase();
      const url = `${proto}://${hostPort(ip, p.port)}`;
      if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.push({ name: pp, value: url }, { name: `${pp}_PROTO`, value: proto }, { name: `${pp}_PORT`, value: String(p.port) }, { name: `${pp}_ADDR`, value: ip });
    });
  }
  return out;
}

/**
 * getServiceEnvVarMap: the `kubernetes` Service of the default namespace always, and with
 * enableServiceLinks every Service of the pod's namespace (its own `kubernetes` wins there).
 */
export function serviceEnvMap(services: V1Service[], namespace: string, enableServiceLinks: boolean): Map<string, string> {
  const chosen = new Map<string, V1Service>();
  for (const s of services) {
    if (!hasClusterIP(s)) continue;
    const name = s.metadata?.name ?? '';
    if (s.metadata?.namespace === 'default' && name === 'kubernetes') {
      if (!chosen.has(name)) chosen.set(name, s);
    } else if (s.metadata?.namespace === namespace && enableServiceLinks) chosen.set(name, s);
  }
  const sorted = [...chosen.values()].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
  return new Map(serviceEnvVars(sorted).map((e) => [e.name, e.value]));
}

// ---- downward API ----

/** fieldpath.FormatMap: `key="value"` lines (Go %q quoting), sorted by key, no trailing newline. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${goQuote(m![k]!)}`).join('\n');
}

export interface FieldRefContext {
  /** The pod's addresses as the sandbox has them (the status may not be written yet). */
  podIPs: string[];
  hostIPs: string[];
}

const subscript = /^metadata\.(labels|annotations)\['(.*)'\]$/;

/** podFieldSelectorRuntimeValue + fieldpath.ExtractFieldPathAsString. */
export function fieldRefValue(pod: V1Pod, fieldPath: string, ctx: FieldRefContext): string {
  const meta = pod.metadata ?? {};
  switch (fieldPath) {
    case 'metadata.name': return meta.name ?? '';
    case 'metadata.namespace': return meta.namespace ?? '';
    case 'metadata.uid': return meta.uid ?? '';
    case 'metadata.labels': return formatMap(meta.labels);
    case 'metadata.annotations': return formatMap(meta.annotations);
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP': return ctx.hostIPs[0] ?? '';
    case 'status.hostIPs': return ctx.hostIPs.join(',');
    case 'status.podIP': return ctx.podIPs[0] ?? '';
    case 'status.podIPs': return ctx.podIPs.join(',');
    default: {
      const m = subscript.exec(fieldPath);
      if (m) return (m[1] === 'labels' ? meta.labels : meta.annotations)?.[m[2]!] ?? '';
      throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
    }
  }
}

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/**
 * resource.ExtractContainerResourceValue over the container with its limits defaulted to the
 * node's allocatable (defaultPodLimitsForDownwardAPI): cpu rounds up in units of the divisor's
 * milli-value, memory / ephemeral-storage / hugepages in units of its value.
 */
export function resourceFieldRefValue(ref: V1ResourceFieldSelector, container: V1Container, nodeAllocatable: Record<string, string>): string {
  const divisorText = ref.divisor === undefined || ref.divisor === null ? '' : String(ref.divisor);
  let divisor: Quantity = parseQuantity('1');
  if (divisorText) {
    const d = parseQuantity(divisorText);
    if (!d.isZero()) divisor = d;
  }
  const [kind, ...rest] = ref.resource.split('.');
  const name = rest.join('.');
  if ((kind !== 'limits' && kind !== 'requests') || !name) throw new ContainerConfigError(`unsupported container resource : ${ref.resource}`);
  const supported = name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-');
  if (!supported) throw new ContainerConfigError(`unsupported container resource : ${ref.resource}`);
  const own = (kind === 'limits' ? container.resources?.limits : container.resources?.requests)?.[name];
  let text = own === undefined || own === null ? undefined : String(own);
  // Limits the container does not set are the node's allocatable (upstream's defaulting for the downward API).
  if (text === undefined && kind === 'limits' && !name.startsWith('hugepages-')) text = nodeAllocatable[name];
  const q = parseQuantity(text ?? '0');
  if (name === 'cpu') return String(ceilDiv(q.milliValue(), divisor.milliValue()));
  return String(ceilDiv(q.value(), divisor.value()));
}

// ---- the environment ----

export interface EnvSources {
  getConfigMap(namespace: string, name: string): Promise<V1ConfigMap>;
  getSecret(namespace: string, name: string): Promise<V1Secret>;
  /** Every Service the kubelet knows; undefined until its cache has synced once. */
  services(): V1Service[] | undefined;
  nodeAllocatable: Record<string, string>;
  podIPs: string[];
  hostIPs: string[];
}

export interface EnvVar { name: string; value: string }

const secretValue = (s: V1Secret, key: string): string | undefined => {
  const b64 = s.data?.[key];
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
};

/**
 * makeEnvironmentVariables: envFrom first (later sources win), then env in order (a literal
 * value expands `$(VAR)` over the variables defined so far and the service variables; valueFrom
 * resolves its source), then the service variables nothing overrode. Optional sources that are
 * missing are skipped; anything else missing is a ContainerConfigError with upstream's message.
 */
export async function makeEnvironment(pod: V1Pod, container: V1Container, src: EnvSources): Promise<EnvVar[]> {
  const ns = pod.metadata?.namespace ?? '';
  const services = src.services();
  if (services === undefined) throw new ContainerConfigError('services have not yet been read at least once, cannot construct envvars');
  const serviceEnv = serviceEnvMap(services, ns, pod.spec?.enableServiceLinks ?? true);
  const configMaps = new Map<string, V1ConfigMap>();
  const secrets = new Map<string, V1Secret>();
  const configMap = async (name: string, optional: boolean): Promise<V1ConfigMap | undefined> => {
    let cm = configMaps.get(name);
    if (cm) return cm;
    try {
      cm = await src.getConfigMap(ns, name);
    } catch (e) {
      if (isObjectNotFound(e) && optional) return undefined;
      throw new ContainerConfigError((e as Error)?.message ?? String(e));
    }
    configMaps.set(name, cm);
    return cm;
  };
  const secret = async (name: string, optional: boolean): Promise<V1Secret | undefined> => {
    let s = secrets.get(name);
    if (s) return s;
    try {
      s = await src.getSecret(ns, name);
    } catch (e) {
      if (isObjectNotFound(e) && optional) return undefined;
      throw new ContainerConfigError((e as Error)?.message ?? String(e));
    }
    secrets.set(name, s);
    return s;
  };

  const env = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = await configMap(from.configMapRef.name ?? '', from.configMapRef.optional ?? false);
      for (const [k, v] of Object.entries(cm?.data ?? {})) env.set(prefix + k, v);
    } else if (from.secretRef) {
      const s = await secret(from.secretRef.name ?? '', from.secretRef.optional ?? false);
      for (const k of Object.keys(s?.data ?? {})) env.set(prefix + k, secretValue(s!, k)!);
    }
  }

  const mapping = mappingFor(env, serviceEnv);
  const fieldCtx = { podIPs: src.podIPs, hostIPs: src.hostIPs };
  for (const e of container.env ?? []) {
    let value = e.value ?? '';
    const from = e.valueFrom;
    if (value !== '') value = expand(value, mapping);
    else if (from?.fieldRef) value = fieldRefValue(pod, from.fieldRef.fieldPath, fieldCtx);
    else if (from?.resourceFieldRef) {
      const target = from.resourceFieldRef.containerName
        ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === from.resourceFieldRef!.containerName)
        : container;
      if (!target) throw new ContainerConfigError(`container ${from.resourceFieldRef.containerName} not found`);
      value = resourceFieldRefValue(from.resourceFieldRef, target, src.nodeAllocatable);
    } else if (from?.configMapKeyRef) {
      const { name = '', key, optional = false } = from.configMapKeyRef;
      const cm = await configMap(name, optional);
      if (!cm) continue;
      const v = cm.data?.[key];
      if (v === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
      }
      value = v;
    } else if (from?.secretKeyRef) {
      const { name = '', key, optional = false } = from.secretKeyRef;
      const s = await secret(name, optional);
      if (!s) continue;
      const v = secretValue(s, key);
      if (v === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in Secret ${ns}/${name}`);
      }
      value = v;
    }
    env.set(e.name, value);
  }

  const out: EnvVar[] = [...env].map(([name, value]) => ({ name, value }));
  for (const [name, value] of serviceEnv) if (!env.has(name)) out.push({ name, value });
  return out;
}

/** ExpandContainerCommandAndArgs: `$(VAR)` in command and args over the final environment. */
export function expandCommandAndArgs(container: V1Container, env: EnvVar[]): { command: string[]; args: string[] } {
  const mapping = mappingFor(new Map(env.map((e) => [e.name, e.value])));
  return {
    command: (container.command ?? []).map((c) => expand(c, mapping)),
    args: (container.args ?? []).map((a) => expand(a, mapping)),
  };
}

/** ExpandContainerVolumeMounts: subPathExpr over the environment; a missing or empty variable fails. */
export function expandSubPathExpr(mount: V1VolumeMount, env: EnvVar[]): string {
  const vars = new Map(env.map((e) => [e.name, e.value]));
  const missing = new Set<string>();
  const out = expand(mount.subPathExpr ?? '', (name) => {
    const v = vars.get(name);
    if (!v) missing.add(name);
    return v ?? '';
  });
  if (missing.size) throw new ContainerConfigError(`missing value for ${[...missing].sort().join(', ')}`);
  return out;
}
