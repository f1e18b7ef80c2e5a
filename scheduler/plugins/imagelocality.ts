// ImageLocality: prefers nodes that already have the pod's images, weighting each image's size by
// the share of nodes that have it (so an image everywhere counts little), scaled between 23 MB and
// 1000 MB per container (upstream's plugins/imagelocality).
import { MAX_NODE_SCORE, type PluginFactory } from '../framework.ts';
import type { NodeInfo, PodInfo } from '../nodeinfo.ts';

export const IMAGE_LOCALITY = 'ImageLocality';
const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** An image name with ":latest" added when it has no tag (upstream's normalizedImageName). */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

/** The normalised image names of the pod's init and app containers. */
export function podImages(pod: PodInfo): string[] {
  return [...(pod.pod.spec?.initContainers ?? []), ...(pod.pod.spec?.containers ?? [])].map((c) => normalizedImageName(c.image ?? ''));
}

export function imageLocalityScore(images: readonly string[], nodeInfo: NodeInfo, totalNumNodes: number): number {
  if (images.length === 0 || totalNumNodes === 0) return 0;
  let sum = 0;
  if (nodeInfo.imageStates.size > 0) {
    for (const image of images) {
      const st = nodeInfo.imageStates.get(image);
      if (st) sum += Math.trunc(st.size * (st.nodes.size / totalNumNodes));
    }
  }
  const maxThreshold = MAX_CONTAINER_THRESHOLD * images.length;
  const clamped = Math.min(Math.max(sum, MIN_THRESHOLD), maxThreshold);
  return Math.trunc((MAX_NODE_SCORE * (clamped - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
}

interface ScoreState { images: string[]; totalNumNodes: number }
const PRE_SCORE_KEY = 'PreScore/ImageLocality';

export const imageLocality: PluginFactory = (h) => ({
  name: IMAGE_LOCALITY,
  preScore(state, pod) {
    state.write(PRE_SCORE_KEY, { images: podImages(pod), totalNumNodes: h.snapshot().nodeInfoList.length } satisfies ScoreState);
    return undefined;
  },
  score(state, pod, nodeInfo) {
    const s = state.read<ScoreState>(PRE_SCORE_KEY) ?? { images: podImages(pod), totalNumNodes: h.snapshot().nodeInfoList.length };
    return imageLocalityScore(s.images, nodeInfo, s.totalNumNodes);
  },
});
