// downwardAPI volumes (upstream's pkg/volume/downwardapi): pod fields and container resources as
// files. Labels and annotations are `key="value"` lines; limits a container does not set read as
// the node's allocatable. Rewritten on every sync, so label and annotation changes show up.
import type { V1DownwardAPIVolumeFile, V1Pod, V1Volume } from '@kubernetes/client-node';
import { fieldRefValue, resourceFieldRefValue, type FieldRefContext } from '../env.ts';
import type { Payload } from './atomicwriter.ts';
import { writeVolume } from './configmap.ts';
import { DEFAULT_MODE, modeOf, volumeDir, VolumeError, type MountedVolume, type VolumeContext } from './types.ts';

/** Go's utilerrors.NewAggregate message: one error as itself, several as "[a, b]". */
export function aggregate(messages: string[]): string {
  return messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`;
}

/** Upstream's CollectData: every item, errors gathered. */
export function downwardAPIPayload(
  pod: V1Pod, items: V1DownwardAPIVolumeFile[] | undefined, defaultMode: number, fieldCtx: FieldRefContext, nodeAllocatable: Record<string, string>,
): Payload {
  const payload: Payload = new Map();
  const errors: string[] = [];
  for (const item of items ?? []) {
    let value = '';
    try {
      if (item.fieldRef) value = fieldRefValue(pod, item.fieldRef.fieldPath, fieldCtx);
      else if (item.resourceFieldRef) {
        const name = item.resourceFieldRef.containerName;
        const c = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === name);
        if (!c) throw new Error(`container ${name ?? ''} not found`);
        value = resourceFieldRefValue(item.resourceFieldRef, c, nodeAllocatable);
      }
    } catch (e) {
      errors.push((e as Error)?.message ?? String(e));
    }
    payload.set(item.path.replace(/\/+$/, ''), { data: Buffer.from(value, 'utf8'), mode: modeOf(item.mode, defaultMode) });
  }
  if (errors.length) throw new VolumeError(aggregate(errors));
  return payload;
}

export async function setUpDownwardAPI(ctx: VolumeContext, v: V1Volume): Promise<MountedVolume> {
  const src = v.downwardAPI!;
  const payload = downwardAPIPayload(ctx.pod, src.items, modeOf(src.defaultMode, DEFAULT_MODE), ctx.fieldRef, ctx.nodeAllocatable);
  const dir = volumeDir(ctx, 'downward-api', v);
  await writeVolume(ctx, dir, payload);
  return { hostPath: dir, readOnly: true };
}
