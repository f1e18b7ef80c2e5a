// The default profile: upstream's default plugins (pkg/scheduler/apis/config/v1/default_plugins.go),
// in its order, with its score weights. Filters run in this order and stop at the first rejection,
// so it decides which reason a node reports. Of the volume plugins only VolumeBinding is here
// (VolumeRestrictions, NodeVolumeLimits and VolumeZone are not yet), in its upstream place.
import type { V1Pod } from '@kubernetes/client-node';
import type { ProfilePlugin } from '../framework.ts';
import { defaultPreemption, type DefaultPreemptionOptions, type PreemptionActions } from '../preemption.ts';
import { balancedAllocation } from './balancedallocation.ts';
import { defaultBinder } from './defaultbinder.ts';
import { imageLocality } from './imagelocality.ts';
import { interPodAffinity } from './interpodaffinity.ts';
import { nodeAffinity } from './nodeaffinity.ts';
import { nodeName } from './nodename.ts';
import { nodePorts } from './nodeports.ts';
import { nodeResourcesFit } from './noderesourcesfit.ts';
import { nodeUnschedulable } from './nodeunschedulable.ts';
import { podTopologySpreadWith } from './podtopologyspread.ts';
import type { SpreadingListers } from '../defaultspread.ts';
import { schedulingGates } from './schedulinggates.ts';
import { taintToleration } from './tainttoleration.ts';
import { volumeBinding, type VolumeBindingOptions } from './volumebinding.ts';

export interface DefaultProfileOptions {
  /** Sends a Binding to the API server. */
  bind: (pod: V1Pod, binding: object) => Promise<unknown>;
  preemption: PreemptionActions;
  preemptionOptions?: DefaultPreemptionOptions;
  /** The claims, volumes and classes VolumeBinding reads, and how it writes them. */
  volumeBinding: VolumeBindingOptions;
  /** The Services and controllers PodTopologySpread's system defaults read. */
  spreading: SpreadingListers;
}

export function defaultProfile(o: DefaultProfileOptions): ProfilePlugin[] {
  return [
    { factory: schedulingGates },
    { factory: nodeUnschedulable },
    { factory: nodeName },
    { factory: taintToleration, weight: 3 },
    { factory: nodeAffinity, weight: 2 },
    { factory: nodePorts },
    { factory: nodeResourcesFit, weight: 1 },
    { factory: volumeBinding(o.volumeBinding) },
    { factory: podTopologySpreadWith({ defaulting: o.spreading }), weight: 2 },
    { factory: interPodAffinity, weight: 2 },
    { factory: defaultPreemption(o.preemption, o.preemptionOptions) },
    { factory: balancedAllocation, weight: 1 },
    { factory: imageLocality, weight: 1 },
    { factory: defaultBinder(o.bind) },
  ];
}
