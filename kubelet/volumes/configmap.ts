// configMap volumes (upstream's pkg/volume/configmap): the keys of a ConfigMap as files, all of
// them or the `items` chosen, with defaultMode (0644) or each item's mode, written atomically and
// rewritten on every sync so that updates reach running pods. A missing ConfigMap fails the mount
// (`configmap "x" not found`) unless the volume is optional, which then stays empty.
import type { V1ConfigMap, V1KeyToPath, V1Volume } from '@kubernetes/client-node';
import { isObjectNotFound } from '../env.ts';
import { writeAtomic, type Payload } from './atomicwriter.ts';
import { setVolumeOwnership, withFsGroupModes } from './ownership.ts';
import { DEFAULT_MODE, modeOf, volumeDir, VolumeError, type MountedVolume, type VolumeContext } from './types.ts';

/** Upstream's MakePayload for ConfigMaps: string data as UTF-8, binaryData as its bytes. */
export function configMapPayload(cm: V1ConfigMap, items: V1KeyToPath[] | undefined, defaultMode: number, optional: boolean): Payload {
  const payload: Payload = new Map();
  const valueOf = (key: string): Buffer | undefined => {
    const s = cm.data?.[key];
    if (s !== undefined) return Buffer.from(s, 'utf8');
    const b = cm.binaryData?.[key];
    return b === undefined ? undefined : Buffer.from(b, 'base64');
  };
  if (!items?.length) {
    for (const k of [...Object.keys(cm.data ?? {}), ...Object.keys(cm.binaryData ?? {})]) payload.set(k, { data: valueOf(k)!, mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const data = valueOf(item.key);
    if (!data) {
      if (optional) continue;
      throw new VolumeError(`configmap references non-existent config key: ${item.key}`);
    }
    payload.set(item.path, { data, mode: modeOf(item.mode, defaultMode) });
  }
  return payload;
}

/** The ConfigMap, or undefined for an optional one that does not exist. */
export async function fetchConfigMap(ctx: VolumeContext, name: string, optional: boolean): Promise<V1ConfigMap | undefined> {
  try {
    return await ctx.objects.getConfigMap(ctx.pod.metadata?.namespace ?? '', name);
  } catch (e) {
    if (isObjectNotFound(e) && optional) return undefined;
    throw new VolumeError((e as Error)?.message ?? String(e));
  }
}

export async function setUpConfigMap(ctx: VolumeContext, v: V1Volume): Promise<MountedVolume> {
  const src = v.configMap!;
  const optional = src.optional ?? false;
  const cm = await fetchConfigMap(ctx, src.name ?? '', optional);
  const defaultMode = modeOf(src.defaultMode, DEFAULT_MODE);
  const payload = cm ? configMapPayload(cm, src.items, defaultMode, optional) : new Map();
  const dir = volumeDir(ctx, 'configmap', v);
  await writeVolume(ctx, dir, payload);
  return { hostPath: dir, readOnly: true };
}

/** Writes an atomic-writer volume, with fsGroup applied. */
export async function writeVolume(ctx: VolumeContext, dir: string, payload: Payload): Promise<void> {
  let changed: boolean;
  try {
    changed = await writeAtomic(dir, withFsGroupModes(payload, ctx.fsGroup), new Date(ctx.now()));
  } catch (e) {
    throw new VolumeError((e as Error)?.message ?? String(e));
  }
  if (changed && ctx.fsGroup !== undefined) await setVolumeOwnership(dir, ctx.fsGroup, { readOnly: true, root: ctx.root });
}
