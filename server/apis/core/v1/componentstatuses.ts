// core/v1 ComponentStatus (deprecated upstream, still served): a read-only list the server
// computes on each request — scheduler, controller-manager and etcd-0. Upstream probes each
// component's health endpoint; here the store stands for etcd and the control-plane components,
// which run as API clients of this server, are reported healthy.
import { defineResource, type KubeObject } from '../../types.ts';
import { nameColumn } from '../../common/age.ts';

interface ComponentCondition { type: string; status: string; message?: string; error?: string }
export type ComponentStatus = KubeObject & { conditions?: ComponentCondition[] };

const healthy = (name: string, message: string): ComponentStatus => ({
  apiVersion: 'v1', kind: 'ComponentStatus',
  metadata: { name, creationTimestamp: null as unknown as string },
  conditions: [{ type: 'Healthy', status: 'True', message }],
});

const unhealthy = (name: string, error: string): ComponentStatus => ({
  apiVersion: 'v1', kind: 'ComponentStatus',
  metadata: { name, creationTimestamp: null as unknown as string },
  conditions: [{ type: 'Healthy', status: 'False', error }],
});

/** The statuses upstream's componentstatus REST lists, in its order (sorted by name). */
export async function computeComponentStatuses(ctx: { store: { currentRV(): Promise<bigint> } }): Promise<ComponentStatus[]> {
  let etcd: ComponentStatus;
  try {
    await ctx.store.currentRV();
    etcd = healthy('etcd-0', 'ok');
  } catch (e) {
    etcd = unhealthy('etcd-0', (e as Error).message);
  }
  return [healthy('controller-manager', 'ok'), etcd, healthy('scheduler', 'ok')];
}

/** Upstream's printComponentStatus: STATUS from the Healthy condition, with its message and error. */
function statusCells(cs: ComponentStatus): [string, string, string] {
  const c = cs.conditions?.find((x) => x.type === 'Healthy');
  if (!c) return ['Unknown', '', ''];
  return [c.status === 'True' ? 'Healthy' : 'Unhealthy', c.message ?? '', c.error ?? ''];
}

export const componentstatuses = defineResource<ComponentStatus>({
  group: '', version: 'v1', kind: 'ComponentStatus', plural: 'componentstatuses', singular: 'componentstatus',
  namespaced: false, shortNames: ['cs'], model: 'V1ComponentStatus', verbs: ['get', 'list'],
  computed: computeComponentStatuses,
  table: {
    columns: [
      nameColumn,
      { name: 'Status', type: 'string', description: 'Status of the component conditions' },
      { name: 'Message', type: 'string', description: 'Message of the component conditions' },
      { name: 'Error', type: 'string', description: 'Error of the component conditions' },
    ],
    row: (cs) => [cs.metadata?.name ?? '', ...statusCells(cs)],
  },
});
