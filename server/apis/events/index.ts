// events.k8s.io: events, served over the core/v1 Events' storage.
import type { AnyResource } from '../types.ts';
import { events } from './v1/events.ts';

export const eventsResources: AnyResource[] = [events] as AnyResource[];
