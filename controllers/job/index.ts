// The Job controller (upstream pkg/controller/job); see controller.ts.
export { jobController, isJobFinished, JobSyncer, type JobControllerOptions } from './controller.ts';
export { JOB_TRACKING_FINALIZER } from './tracking.ts';
export { COMPLETION_INDEX_ANNOTATION } from './indexes.ts';
