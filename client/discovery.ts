// API discovery from the legacy documents (/api, /api/v1, /apis, /apis/<group>/<version>): the
// preferred version of every group, its resources and their verbs. Upstream: client-go's
// discovery.ServerPreferredResources; a group that fails is reported, the rest still returned.
import type { V1APIGroupList, V1APIResourceList, V1APIVersions } from '@kubernetes/client-node';
import { resource, type Resource, type RestClient } from './rest.ts';

export interface APIResourceInfo {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

export interface DiscoveryResult {
  resources: APIResourceInfo[];
  /** Group versions whose resource list could not be read, with the error. */
  failed: Map<string, Error>;
}

export async function discoverResources(rest: RestClient, signal?: AbortSignal): Promise<DiscoveryResult> {
  const groupVersions: Array<{ group: string; version: string; path: string }> = [];
  const core = (await rest.request('GET', '/api', { signal })) as V1APIVersions;
  // The legacy group serves one version.
  const coreVersion = core.versions?.includes('v1') ? 'v1' : core.versions?.[0];
  if (coreVersion) groupVersions.push({ group: '', version: coreVersion, path: `/api/${coreVersion}` });
  const groups = (await rest.request('GET', '/apis', { signal })) as V1APIGroupList;
  for (const g of groups.groups ?? []) {
    const preferred = g.preferredVersion?.version ?? g.versions?.[0]?.version;
    if (preferred) groupVersions.push({ group: g.name, version: preferred, path: `/apis/${g.name}/${preferred}` });
  }
  const resources: APIResourceInfo[] = [];
  const failed = new Map<string, Error>();
  await Promise.all(groupVersions.map(async (gv) => {
    try {
      const list = (await rest.request('GET', gv.path, { signal })) as V1APIResourceList;
      for (const r of list.resources ?? []) {
        if (r.name.includes('/')) continue;
        resources.push({ group: gv.group, version: gv.version, plural: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs ?? [] });
      }
    } catch (e) {
      failed.set(gv.group ? `${gv.group}/${gv.version}` : gv.version, e instanceof Error ? e : new Error(String(e)));
    }
  }));
  resources.sort((a, b) => a.group.localeCompare(b.group) || a.plural.localeCompare(b.plural));
  return { resources, failed };
}

export const supportsVerbs = (r: APIResourceInfo, ...verbs: string[]): boolean => verbs.every((v) => r.verbs.includes(v));

/** The dynamic Resource for a discovered one (objects stay generic KubernetesObjects). */
export function toResource(r: APIResourceInfo): Resource {
  return resource(r.group ? `${r.group}/${r.version}/${r.plural}` : `${r.version}/${r.plural}`, { kind: r.kind, namespaced: r.namespaced });
}
