import { describe, expect, it } from 'vitest';
import { cronScheduleError, formatRFC3339, fromWallClock, parseStandard, wallClock } from './cron.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z'));
const next = (spec: string, after: string, zone = 'UTC') => iso(parseStandard(spec, zone).next(at(after)));

describe('cron schedules fire when robfig/cron says', () => {
  it('reads the five standard fields, strictly after the given time', () => {
    expect(next('* * * * *', '2026-01-01T00:00:30Z')).toBe('2026-01-01T00:01:00Z');
    expect(next('* * * * *', '2026-01-01T00:01:00Z')).toBe('2026-01-01T00:02:00Z');
    expect(next('*/15 * * * *', '2026-01-01T00:14:59Z')).toBe('2026-01-01T00:15:00Z');
    expect(next('5/20 * * * *', '2026-01-01T00:26:00Z')).toBe('2026-01-01T00:45:00Z');
    expect(next('0 0 1 jan *', '2026-03-01T00:00:00Z')).toBe('2027-01-01T00:00:00Z');
    expect(next('0 12 * * mon-fri', '2026-01-03T12:00:00Z')).toBe('2026-01-05T12:00:00Z');
  });

  it('ORs day-of-month and day-of-week unless one of them is a star', () => {
    // 2026-02-01 is a Sunday; the 6th is a Friday, the 3rd a Tuesday, the 13th a Friday.
    expect(next('0 0 13 * 5', '2026-02-01T00:00:00Z')).toBe('2026-02-06T00:00:00Z');
    expect(next('0 0 13 * 2', '2026-02-01T00:00:00Z')).toBe('2026-02-03T00:00:00Z');
    expect(next('0 0 13 * *', '2026-02-01T00:00:00Z')).toBe('2026-02-13T00:00:00Z');
    expect(next('0 0 13 * */1', '2026-02-01T00:00:00Z')).toBe('2026-02-13T00:00:00Z');
  });

  it('knows the descriptors and @every', () => {
    expect(next('@hourly', '2026-01-01T05:10:00Z')).toBe('2026-01-01T06:00:00Z');
    expect(next('@daily', '2026-01-01T05:10:00Z')).toBe('2026-01-02T00:00:00Z');
    expect(next('@weekly', '2026-01-01T05:10:00Z')).toBe('2026-01-04T00:00:00Z');
    expect(next('@monthly', '2026-01-01T05:10:00Z')).toBe('2026-02-01T00:00:00Z');
    expect(next('@yearly', '2026-01-01T05:10:00Z')).toBe('2027-01-01T00:00:00Z');
    expect(parseStandard('@every 90s').next(at('2026-01-01T00:00:00Z') + 400)).toBe(at('2026-01-01T00:01:30Z'));
    expect(parseStandard('@every 1m30.5s').next(at('2026-01-01T00:00:00Z'))).toBe(at('2026-01-01T00:01:30Z'));
    expect(parseStandard('@every 10ms').next(at('2026-01-01T00:00:00Z'))).toBe(at('2026-01-01T00:00:01Z'));
  });

  it('never fires on a day that does not exist (gives up after five years)', () => {
    expect(next('0 0 31 2 *', '2026-01-01T00:00:00Z')).toBeUndefined();
  });

  it('reads the wall clock of a time zone, TZ= prefix or default zone, across daylight-saving changes', () => {
    expect(next('0 9 * * 1-5', '2026-01-03T12:00:00Z', 'America/New_York')).toBe('2026-01-05T14:00:00Z');
    expect(next('TZ=Asia/Tokyo 0 9 * * *', '2026-01-01T00:00:00Z')).toBe('2026-01-02T00:00:00Z');
    expect(next('CRON_TZ=Asia/Tokyo 0 9 * * *', '2025-12-31T23:00:00Z')).toBe('2026-01-01T00:00:00Z');
    // 02:30 does not exist on 2026-03-08 in New York: the next run is the day after.
    expect(next('30 2 * * *', '2026-03-08T05:00:00Z', 'America/New_York')).toBe('2026-03-09T06:30:00Z');
    // 01:30 happens twice on 2026-11-01: robfig fires at both.
    expect(next('30 1 * * *', '2026-11-01T04:00:00Z', 'America/New_York')).toBe('2026-11-01T05:30:00Z');
    expect(next('30 1 * * *', '2026-11-01T05:30:00Z', 'America/New_York')).toBe('2026-11-01T06:30:00Z');
  });

  it('turns wall clocks into instants and back, and prints RFC 3339 in the zone', () => {
    expect(iso(fromWallClock('Europe/Berlin', 2026, 7, 1, 12))).toBe('2026-07-01T10:00:00Z');
    expect(iso(fromWallClock('UTC', 2026, 13, 1))).toBe('2027-01-01T00:00:00Z');
    expect(wallClock(at('2026-07-01T10:00:00Z'), 'Europe/Berlin')).toMatchObject({ year: 2026, month: 7, day: 1, hour: 12, weekday: 3 });
    expect(formatRFC3339(at('2026-07-01T10:00:00Z'), 'UTC')).toBe('2026-07-01T10:00:00Z');
    expect(formatRFC3339(at('2026-07-01T10:00:00Z'), 'Asia/Kolkata')).toBe('2026-07-01T15:30:00+05:30');
    expect(formatRFC3339(at('2026-01-01T10:00:00Z'), 'America/New_York')).toBe('2026-01-01T05:00:00-05:00');
  });

  it('rejects what the parser rejects, with its message', () => {
    expect(cronScheduleError('*/5 * * * *')).toBeUndefined();
    expect(cronScheduleError('')).toBe('empty spec string');
    expect(cronScheduleError('0 * * *')).toBe('expected exactly 5 fields, found 4: [0 * * *]');
    expect(cronScheduleError('61 * * * *')).toBe('end of range (61) above maximum (59): 61');
    expect(cronScheduleError('* * * * 7')).toBe('end of range (7) above maximum (6): 7');
    expect(cronScheduleError('*/0 * * * *')).toBe('step of range should be a positive number: */0');
    expect(cronScheduleError('@every 5x')).toBe('failed to parse duration @every 5x: time: unknown unit "x" in duration "5x"');
    expect(cronScheduleError('@fortnightly')).toBe('unrecognized descriptor: @fortnightly');
    expect(cronScheduleError('TZ=Mars/Base 0 * * * *')).toBe('provided bad location Mars/Base: unknown time zone Mars/Base');
  });
});
