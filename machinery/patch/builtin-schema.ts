// Patch schemas of the built-in types, taken from the struct tags and markers of
// k8s.io/api (patchStrategy / patchMergeKey tags, +listType, +listMapKey, +structType,
// +mapType). Only what patching needs is described: the path down to every list with a
// merge strategy, a list type or keys, and every atomic struct or map. Fields left out
// merge like a JSON merge patch (maps merge, lists are replaced) and are atomic lists /
// granular maps for server-side apply, which is what upstream does for untagged fields.

import type { PatchSchema } from './strategic.ts';

const scalar: PatchSchema = { kind: 'primitive' };

function struct(fields: Record<string, PatchSchema>, mapType?: 'atomic'): PatchSchema {
  return mapType ? { kind: 'object', fields, mapType } : { kind: 'object', fields };
}

/** +structType=atomic: replaced whole by apply. */
function atomicStruct(fields: Record<string, PatchSchema> = {}): PatchSchema {
  return struct(fields, 'atomic');
}

function mapOf(elem: PatchSchema = scalar, mapType?: 'atomic'): PatchSchema {
  return mapType ? { kind: 'map', elem, mapType } : { kind: 'map', elem };
}

/** +listType=atomic (and no patch strategy): replaced whole by every patch type. */
function atomicList(elem: PatchSchema = scalar): PatchSchema {
  return { kind: 'list', elem, listType: 'atomic' };
}

/** patchStrategy=merge patchMergeKey=<key> with +listType=map over `keys` (default: the merge key). */
function mergeList(
  elem: PatchSchema,
  mergeKey: string,
  keys: readonly string[] = [mergeKey],
  patchStrategy: 'merge' | 'merge,retainKeys' = 'merge',
): PatchSchema {
  return { kind: 'list', elem, patchStrategy, patchMergeKey: mergeKey, listType: 'map', listMapKeys: keys };
}

/** +listType=map without a patch strategy: replaced by strategic merge, merged by apply. */
function mapList(elem: PatchSchema, keys: readonly string[]): PatchSchema {
  return { kind: 'list', elem, listType: 'map', listMapKeys: keys };
}

/** A conditions list: patchStrategy=merge patchMergeKey=type, +listType=map keyed by type. */
const conditions = mergeList(struct({}), 'type');

const labelSelector = atomicStruct({ matchLabels: mapOf(), matchExpressions: atomicList(struct({ values: atomicList() })) });
const localObjectReference = atomicStruct();
const objectReference = atomicStruct();

// ---- meta/v1 ObjectMeta ----

export const objectMetaSchema: PatchSchema = struct({
  labels: mapOf(),
  annotations: mapOf(),
  // patchStrategy=merge on a list of strings: a set union; +listType=set.
  finalizers: { kind: 'list', elem: scalar, patchStrategy: 'merge', listType: 'set' },
  ownerReferences: mergeList(atomicStruct(), 'uid'),
  managedFields: atomicList(struct({ fieldsV1: struct({}) })),
});

// ---- core/v1 containers ----

const keySelector = atomicStruct();
const envVar = struct({
  valueFrom: struct({
    fieldRef: atomicStruct(),
    resourceFieldRef: atomicStruct(),
    configMapKeyRef: keySelector,
    secretKeyRef: keySelector,
    fileKeyRef: atomicStruct(),
  }),
});

const handler = struct({
  exec: struct({ command: atomicList() }),
  httpGet: struct({ httpHeaders: atomicList(struct({})) }),
});
const probe = handler;
const lifecycle = struct({ postStart: handler, preStop: handler });

const resourceRequirements = struct({
  limits: mapOf(),
  requests: mapOf(),
  claims: mapList(struct({}), ['name']),
});

const containerSecurityContext = struct({
  capabilities: struct({ add: atomicList(), drop: atomicList() }),
});

const containerFields: Record<string, PatchSchema> = {
  command: atomicList(),
  args: atomicList(),
  ports: { ...mergeList(struct({}), 'containerPort', ['containerPort', 'protocol']), listMapKeyDefaults: { protocol: 'TCP' } },
  envFrom: atomicList(struct({ configMapRef: localObjectReference, secretRef: localObjectReference })),
  env: mergeList(envVar, 'name'),
  resources: resourceRequirements,
  resizePolicy: atomicList(struct({})),
  restartPolicyRules: atomicList(struct({})),
  volumeMounts: mergeList(struct({ bindMountOptions: { kind: 'list', elem: scalar, listType: 'set' } }), 'mountPath'),
  volumeDevices: mergeList(struct({}), 'devicePath'),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  lifecycle,
  securityContext: containerSecurityContext,
};

export const containerSchema: PatchSchema = struct(containerFields);
const ephemeralContainerSchema: PatchSchema = struct(containerFields);

// ---- core/v1 volumes ----

const keyToPathItems = atomicList(struct({}));
const volumeSchema = struct({
  secret: struct({ items: keyToPathItems }),
  configMap: struct({ items: keyToPathItems }),
  downwardAPI: struct({ items: atomicList(struct({})) }),
  projected: struct({ sources: atomicList(struct({})) }),
  persistentVolumeClaim: struct({}),
  ephemeral: struct({
    volumeClaimTemplate: struct({
      metadata: objectMetaSchema,
      spec: struct({ accessModes: atomicList() }),
    }),
  }),
  rbd: struct({ monitors: atomicList() }),
  cephfs: struct({ monitors: atomicList() }),
  iscsi: struct({ portals: atomicList() }),
  fc: struct({ targetWWNs: atomicList(), wwids: atomicList() }),
});

// ---- core/v1 PodSpec / PodTemplateSpec / PodStatus ----

const nodeSelector = atomicStruct({
  nodeSelectorTerms: atomicList(atomicStruct()),
});
const podAffinityTerms = atomicList(struct({}));
const affinity = struct({
  nodeAffinity: struct({
    requiredDuringSchedulingIgnoredDuringExecution: nodeSelector,
    preferredDuringSchedulingIgnoredDuringExecution: atomicList(struct({})),
  }),
  podAffinity: struct({
    requiredDuringSchedulingIgnoredDuringExecution: podAffinityTerms,
    preferredDuringSchedulingIgnoredDuringExecution: podAffinityTerms,
  }),
  podAntiAffinity: struct({
    requiredDuringSchedulingIgnoredDuringExecution: podAffinityTerms,
    preferredDuringSchedulingIgnoredDuringExecution: podAffinityTerms,
  }),
});

export const podSpecSchema: PatchSchema = struct({
  volumes: mergeList(volumeSchema, 'name', ['name'], 'merge,retainKeys'),
  initContainers: mergeList(containerSchema, 'name'),
  containers: mergeList(containerSchema, 'name'),
  ephemeralContainers: mergeList(ephemeralContainerSchema, 'name'),
  nodeSelector: mapOf(scalar, 'atomic'),
  securityContext: struct({ supplementalGroups: atomicList(), sysctls: atomicList(struct({})) }),
  imagePullSecrets: mergeList(localObjectReference, 'name'),
  affinity,
  tolerations: atomicList(struct({})),
  hostAliases: mergeList(struct({ hostnames: atomicList() }), 'ip'),
  dnsConfig: struct({ nameservers: atomicList(), searches: atomicList(), options: atomicList(struct({})) }),
  readinessGates: atomicList(struct({})),
  overhead: mapOf(),
  topologySpreadConstraints: mergeList(
    struct({ labelSelector, matchLabelKeys: atomicList() }),
    'topologyKey',
    ['topologyKey', 'whenUnsatisfiable'],
  ),
  schedulingGates: mergeList(struct({}), 'name'),
  resourceClaims: mergeList(struct({}), 'name', ['name'], 'merge,retainKeys'),
  resources: resourceRequirements,
  evictionResponders: mergeList(atomicStruct(), 'name'),
});

export const podTemplateSpecSchema: PatchSchema = struct({
  metadata: objectMetaSchema,
  spec: podSpecSchema,
});

const podStatusSchema = struct({
  conditions,
  // hostIPs carries patchStrategy=merge by ip but +listType=atomic.
  hostIPs: { kind: 'list', elem: struct({}), patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'atomic' },
  podIPs: mergeList(struct({}), 'ip'),
  initContainerStatuses: atomicList(struct({})),
  containerStatuses: atomicList(struct({})),
  ephemeralContainerStatuses: atomicList(struct({})),
  resourceClaimStatuses: mergeList(struct({}), 'name', ['name'], 'merge,retainKeys'),
  nodeAllocatableResourceClaimStatuses: mergeList(struct({}), 'resourceClaimName'),
});

// ---- top-level kinds ----

function topLevel(fields: Record<string, PatchSchema>): PatchSchema {
  return struct({ metadata: objectMetaSchema, ...fields });
}

/** For built-in kinds without merge lists of their own: ObjectMeta is still strategic. */
export const genericObjectSchema: PatchSchema = topLevel({});

const workloadStatus = struct({ conditions });

const jobSpec = struct({
  selector: labelSelector,
  template: podTemplateSpecSchema,
  podFailurePolicy: struct({ rules: atomicList(struct({ onPodConditions: atomicList(struct({})) })) }),
  successPolicy: struct({ rules: atomicList(struct({})) }),
});

const schemas: Record<string, PatchSchema> = {
  '/Pod': topLevel({ spec: podSpecSchema, status: podStatusSchema }),
  '/PodTemplate': topLevel({ template: podTemplateSpecSchema }),
  '/ReplicationController': topLevel({
    spec: struct({ selector: mapOf(scalar, 'atomic'), template: podTemplateSpecSchema }),
    status: workloadStatus,
  }),
  '/Service': topLevel({
    spec: struct({
      ports: { ...mergeList(struct({}), 'port', ['port', 'protocol']), listMapKeyDefaults: { protocol: 'TCP' } },
      selector: mapOf(scalar, 'atomic'),
      clusterIPs: atomicList(),
      externalIPs: atomicList(),
      loadBalancerSourceRanges: atomicList(),
      ipFamilies: atomicList(),
    }),
    status: struct({ conditions, loadBalancer: struct({ ingress: atomicList(struct({})) }) }),
  }),
  '/Node': topLevel({
    spec: struct({
      podCIDRs: { kind: 'list', elem: scalar, patchStrategy: 'merge', listType: 'set' },
      taints: atomicList(struct({})),
    }),
    status: struct({
      conditions,
      addresses: mergeList(struct({}), 'type'),
      images: atomicList(struct({ names: atomicList() })),
      volumesInUse: atomicList(),
      volumesAttached: atomicList(struct({})),
    }),
  }),
  '/Namespace': topLevel({ spec: struct({ finalizers: atomicList() }), status: struct({ conditions }) }),
  '/ServiceAccount': topLevel({
    secrets: mergeList(objectReference, 'name'),
    imagePullSecrets: atomicList(localObjectReference),
  }),
  '/PersistentVolumeClaim': topLevel({
    spec: struct({ accessModes: atomicList(), selector: labelSelector }),
    status: struct({ conditions, accessModes: atomicList() }),
  }),
  '/PersistentVolume': topLevel({
    spec: struct({ accessModes: atomicList(), mountOptions: atomicList(), claimRef: struct({}) }),
  }),
  '/Endpoints': topLevel({ subsets: atomicList(struct({})) }),
  '/ConfigMap': topLevel({ data: mapOf(), binaryData: mapOf() }),
  '/Secret': topLevel({ data: mapOf(), stringData: mapOf() }),
  '/LimitRange': topLevel({ spec: struct({ limits: atomicList(struct({})) }) }),
  '/ResourceQuota': topLevel({ spec: struct({ hard: mapOf(), scopes: atomicList() }) }),
  '/ComponentStatus': topLevel({ conditions: mergeList(struct({}), 'type') }),
  'apps/Deployment': topLevel({
    spec: struct({
      selector: labelSelector,
      template: podTemplateSpecSchema,
      strategy: { kind: 'object', fields: { rollingUpdate: struct({}) }, patchStrategy: 'retainKeys' },
    }),
    status: workloadStatus,
  }),
  'apps/ReplicaSet': topLevel({
    spec: struct({ selector: labelSelector, template: podTemplateSpecSchema }),
    status: workloadStatus,
  }),
  'apps/StatefulSet': topLevel({
    spec: struct({
      selector: labelSelector,
      template: podTemplateSpecSchema,
      volumeClaimTemplates: atomicList(struct({ metadata: objectMetaSchema })),
    }),
    status: workloadStatus,
  }),
  'apps/DaemonSet': topLevel({
    spec: struct({ selector: labelSelector, template: podTemplateSpecSchema }),
    status: workloadStatus,
  }),
  'apps/ControllerRevision': topLevel({}),
  'batch/Job': topLevel({
    spec: jobSpec,
    // JobStatus.conditions merges by type under strategic merge but is +listType=atomic.
    status: struct({
      conditions: { kind: 'list', elem: struct({}), patchStrategy: 'merge', patchMergeKey: 'type', listType: 'atomic' },
      uncountedTerminatedPods: struct({
        succeeded: { kind: 'list', elem: scalar, listType: 'set' },
        failed: { kind: 'list', elem: scalar, listType: 'set' },
      }),
    }),
  }),
  'batch/CronJob': topLevel({
    spec: struct({ jobTemplate: struct({ metadata: objectMetaSchema, spec: jobSpec }) }),
    status: struct({ active: atomicList(objectReference) }),
  }),
  // API priority and fairness: the rules are atomic lists; the conditions merge by type.
  'flowcontrol.apiserver.k8s.io/FlowSchema': topLevel({ status: struct({ conditions }) }),
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration': topLevel({ status: struct({ conditions }) }),
};

/**
 * The patch schema of a built-in kind, or undefined when the table has none. With
 * `group` ('' for core), a kind of another group (a custom resource of the same name)
 * does not match. Callers serving another built-in kind can use genericObjectSchema;
 * custom resources get no schema: upstream refuses strategic merge for them (415).
 */
export function builtinPatchSchema(kind: string, group?: string): PatchSchema | undefined {
  if (group !== undefined) return schemas[`${group}/${kind}`];
  for (const key of Object.keys(schemas)) {
    if (key.slice(key.indexOf('/') + 1) === kind) return schemas[key];
  }
  return undefined;
}

/** The group/kind pairs the table covers, for tests and discovery checks. */
export function builtinPatchSchemaKinds(): { group: string; kind: string }[] {
  return Object.keys(schemas).map((key) => {
    const slash = key.indexOf('/');
    return { group: key.slice(0, slash), kind: key.slice(slash + 1) };
  });
}
