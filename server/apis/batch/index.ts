// The batch group: jobs and the cron jobs that start them, for server/apis/index.ts to register.
import type { AnyResource } from '../types.ts';
import { jobs } from './v1/jobs.ts';
import { cronjobs } from './v1/cronjobs.ts';

export const batchResources: AnyResource[] = [jobs, cronjobs] as AnyResource[];
