// secret volumes (upstream's pkg/volume/secret): a Secret's keys as files (decoded from base64),
// all or the `items` chosen, with defaultMode (0644) or each item's mode, atomically, and kept
// current. Upstream backs them with tmpfs; here they are plain files under the pod's directory.
import type { V1KeyToPath, V1Secret, V1Volume } from '@kubernetes/client-node';
import { isObjectNotFound } from '../env.ts';
import type { Payload } from './atomicwriter.ts';
import { writeVolume } from './configmap.ts';
import { DEFAULT_MODE, modeOf, volumeDir, VolumeError, type MountedVolume, type VolumeContext } from './types.ts';

/** Upstream's MakePayload for Secrets. */
export function secretPayload(secret: V1Secret, items: V1KeyToPath[] | undefined, defaultMode: number, optional: boolean): Payload {
  const payload: Payload = new Map();
  const data = secret.data ?? {};
  if (!items?.length) {
    for (const [k, b64] of Object.entries(data)) payload.set(k, { data: Buffer.from(b64, 'base64'), mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const b64 = data[item.key];
    if (b64 === undefined) {
      if (optional) continue;
      throw new VolumeError(`secret references non-existent secret key: ${item.key}`);
    }
    payload.set(item.path, { data: Buffer.from(b64, 'base64'), mode: modeOf(item.mode, defaultMode) });
  }
  return payload;
}

/** The Secret from the pod's own namespace, or undefined for an optional one that does not exist. */
export async function fetchSecret(ctx: VolumeContext, name: string, optional: boolean): Promise<V1Secret | undefined> {
  try {
    return await ctx.objects.getSecret(ctx.pod.metadata?.namespace ?? '', name);
  } catch (e) {
    if (isObjectNotFound(e) && optional) return undefined;
    throw new VolumeError((e as Error)?.message ?? String(e));
  }
}

export async function setUpSecret(ctx: VolumeContext, v: V1Volume): Promise<MountedVolume> {
  const src = v.secret!;
  const optional = src.optional ?? false;
  const secret = await fetchSecret(ctx, src.secretName ?? '', optional);
  const defaultMode = modeOf(src.defaultMode, DEFAULT_MODE);
  const payload = secret ? secretPayload(secret, src.items, defaultMode, optional) : new Map();
  const dir = volumeDir(ctx, 'secret', v);
  await writeVolume(ctx, dir, payload);
  return { hostPath: dir, readOnly: true };
}
