// The autoscaling group: HorizontalPodAutoscalers stored as autoscaling/v2 and also served as
// autoscaling/v1, converted on the way in and out (ResourceDef.storageVersion).
import type { AnyResource } from '../types.ts';
import { horizontalpodautoscalers } from './v2/horizontalpodautoscalers.ts';
import { horizontalpodautoscalersV1 } from './v1/horizontalpodautoscalers.ts';

export const autoscalingResources: AnyResource[] = [horizontalpodautoscalers, horizontalpodautoscalersV1] as AnyResource[];
