// projected volumes (upstream's pkg/volume/projected): configMap, secret, downwardAPI and
// serviceAccountToken sources merged into one atomically written directory. Errors of the
// sources are gathered; the token comes from the TokenRequest API, bound to the pod, and the pod
// worker is told when to come back to renew it.
import type { V1Volume } from '@kubernetes/client-node';
import type { Payload } from './atomicwriter.ts';
import { configMapPayload, fetchConfigMap, writeVolume } from './configmap.ts';
import { aggregate, downwardAPIPayload } from './downwardapi.ts';
import { fetchSecret, secretPayload } from './secret.ts';
import { refreshAt } from './tokens.ts';
import { DEFAULT_MODE, modeOf, volumeDir, type MountedVolume, type VolumeContext } from './types.ts';

/** serviceAccountToken's default lifetime (API defaulting: one hour). */
const DEFAULT_TOKEN_SECONDS = 3600;

export async function projectedPayload(ctx: VolumeContext, v: V1Volume): Promise<Payload> {
  const src = v.projected!;
  const defaultMode = modeOf(src.defaultMode, DEFAULT_MODE);
  const payload: Payload = new Map();
  const errors: string[] = [];
  const merge = (p: Payload) => { for (const [k, f] of p) payload.set(k, f); };
  const pod = ctx.pod;
  for (const s of src.sources ?? []) {
    try {
      if (s.configMap) {
        const optional = s.configMap.optional ?? false;
        const cm = await fetchConfigMap(ctx, s.configMap.name ?? '', optional);
        if (cm) merge(configMapPayload(cm, s.configMap.items, defaultMode, optional));
      } else if (s.secret) {
        const optional = s.secret.optional ?? false;
        const secret = await fetchSecret(ctx, s.secret.name ?? '', optional);
        if (secret) merge(secretPayload(secret, s.secret.items, defaultMode, optional));
      } else if (s.downwardAPI) {
        merge(downwardAPIPayload(pod, s.downwardAPI.items, defaultMode, ctx.fieldRef, ctx.nodeAllocatable));
      } else if (s.serviceAccountToken) {
        const tp = s.serviceAccountToken;
        // With an fsGroup the token is 0600 and fsGroup ownership makes it 0640 (upstream's comment says the same).
        const mode = ctx.fsGroup !== undefined ? 0o600 : defaultMode;
        const issued = await ctx.tokens.get(pod.metadata?.namespace ?? '', pod.spec?.serviceAccountName || 'default', {
          ...(tp.audience ? { audiences: [tp.audience] } : {}),
          expirationSeconds: tp.expirationSeconds ?? DEFAULT_TOKEN_SECONDS,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
        }, ctx.signal);
        ctx.refreshBy(refreshAt(issued));
        payload.set(tp.path, { data: Buffer.from(issued.token, 'utf8'), mode });
      } else if (s.clusterTrustBundle) {
        throw new Error('clusterTrustBundle projections are not supported by this kubelet');
      }
    } catch (e) {
      errors.push((e as Error)?.message ?? String(e));
    }
  }
  if (errors.length) throw new Error(aggregate(errors));
  return payload;
}

export async function setUpProjected(ctx: VolumeContext, v: V1Volume): Promise<MountedVolume> {
  const payload = await projectedPayload(ctx, v);
  const dir = volumeDir(ctx, 'projected', v);
  await writeVolume(ctx, dir, payload);
  return { hostPath: dir, readOnly: true };
}
