// Standard cron schedules as upstream's CronJob validation parses them: the parser lives in
// machinery/cron.ts, shared with the CronJob controller that computes when schedules fire.
export { cronScheduleError, isKnownTimeZone } from '../../../machinery/cron.ts';
