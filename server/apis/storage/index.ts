// storage.k8s.io: storageclasses, csidrivers, csinodes, csistoragecapacities, volumeattachments.
import type { AnyResource } from '../types.ts';
import { storageclasses } from './v1/storageclasses.ts';
import { csidrivers } from './v1/csidrivers.ts';
import { csinodes } from './v1/csinodes.ts';
import { csistoragecapacities } from './v1/csistoragecapacities.ts';
import { volumeattachments } from './v1/volumeattachments.ts';

export const storageResources: AnyResource[] = [storageclasses, csidrivers, csinodes, csistoragecapacities, volumeattachments] as AnyResource[];
