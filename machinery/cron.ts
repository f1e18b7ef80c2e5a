// Standard cron schedules as upstream reads them (robfig/cron v3's ParseStandard: five fields or an
// @descriptor, an optional TZ=/CRON_TZ= prefix) and the times they fire at (its SpecSchedule.Next
// and ConstantDelaySchedule.Next), in any IANA time zone through Intl. Shared by the API server,
// which checks schedules and answers with the parser's own error text, and the CronJob controller,
// which computes when to run. Time is a parameter: nothing here reads the clock.
import { goQuote } from './goformat.ts';

interface Bounds { min: number; max: number; names?: Record<string, number> }

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = { min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 } };
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

/** A schedule the parser rejected; the message is robfig/cron's. */
export class CronError extends Error {}

/** The values one field allows, and whether it was written as `*` or `?` (robfig's starBit). */
export interface CronField { values: Set<number>; star: boolean }

/** When a schedule fires next: the first time strictly after `afterMs`, or undefined (never, within five years). */
export interface CronSchedule {
  next(afterMs: number): number | undefined;
}

// ---------------------------------------------------------------------------------------------
// Time zones: wall-clock fields of an instant, and the instant of wall-clock fields (Go time.Date).

/** The zone Go's time.Local is: this process's (the TZ environment variable, else the system's). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Whether Go's time.LoadLocation would know the zone (the IANA database, as Intl knows it). */
export function isKnownTimeZone(tz: string): boolean {
  if (tz === '' || tz === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export interface WallClock { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number }

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const isUTC = (zone: string) => zone === 'UTC' || zone === 'Etc/UTC' || zone === '';

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', weekday: 'short',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall clock in `zone` at instant `ms`. */
export function wallClock(ms: number, zone: string): WallClock {
  if (isUTC(zone)) {
    const d = new Date(ms);
    return {
      year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
      hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay(),
    };
  }
  const w: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 0 };
  for (const p of formatterFor(zone).formatToParts(new Date(ms))) {
    switch (p.type) {
      case 'year': w.year = Number(p.value); break;
      case 'month': w.month = Number(p.value); break;
      case 'day': w.day = Number(p.value); break;
      case 'hour': w.hour = Number(p.value) % 24; break;
      case 'minute': w.minute = Number(p.value); break;
      case 'second': w.second = Number(p.value); break;
      case 'weekday': w.weekday = WEEKDAYS[p.value] ?? 0; break;
      default: break;
    }
  }
  return w;
}

/** The zone's offset from UTC at instant `ms`, in milliseconds (whole seconds). */
export function zoneOffsetMs(ms: number, zone: string): number {
  if (isUTC(zone)) return 0;
  const s = Math.floor(ms / 1000) * 1000;
  const w = wallClock(s, zone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - s;
}

/**
 * The instant of a wall-clock time in `zone`, fields normalised as Go's time.Date does (month 13
 * is January of the next year). In a gap or an overlap Go takes the offset in force just before
 * the change, found the same way here.
 */
export function fromWallClock(zone: string, year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second);
  if (isUTC(zone)) return wallMs;
  const first = zoneOffsetMs(wallMs, zone);
  const utc = wallMs - first;
  const second2 = zoneOffsetMs(utc, zone);
  return second2 === first ? utc : wallMs - second2;
}

/** Go's Format(time.RFC3339) of an instant in a zone: "2026-01-02T15:04:05Z" or "…+09:00". */
export function formatRFC3339(ms: number, zone: string): string {
  const w = wallClock(ms, zone);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const off = Math.round(zoneOffsetMs(ms, zone) / 60_000);
  const zonePart = off === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${p2(Math.floor(Math.abs(off) / 60))}:${p2(Math.abs(off) % 60)}`;
  return `${String(w.year).padStart(4, '0')}-${p2(w.month)}-${p2(w.day)}T${p2(w.hour)}:${p2(w.minute)}:${p2(w.second)}${zonePart}`;
}

// ---------------------------------------------------------------------------------------------
// Parsing (robfig/cron v3 parser.go, with its error texts).

/** Go's strconv.Atoi, with its error text. */
function atoi(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new CronError(`strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 63 - 1) throw new CronError(`strconv.Atoi: parsing ${goQuote(s)}: value out of range`);
  return n;
}

function mustParseInt(expr: string): number {
  let n: number;
  try {
    n = atoi(expr);
  } catch (e) {
    throw new CronError(`failed to parse int from ${expr}: ${(e as Error).message}`);
  }
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names: Bounds['names']): number {
  const named = names?.[expr.toLowerCase()];
  if (named !== undefined) return named;
  return mustParseInt(expr);
}

/** One comma-separated part of a field: "*", "5", "1-5", "*\/15", "3/10", "mon-fri". */
function getRange(expr: string, r: Bounds, into: CronField): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0]!.split('-');
  const single = lowAndHigh.length === 1;
  let start: number, end: number, step: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = r.min;
    end = r.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0]!, r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1]!, r.names);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  if (rangeAndStep.length === 1) step = 1;
  else if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]!);
    // "N/step" means "N-max/step".
    if (single) end = r.max;
    if (step > 1) star = false;
  } else throw new CronError(`too many slashes: ${expr}`);
  if (start < r.min) throw new CronError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new CronError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.values.add(v);
  if (star) into.star = true;
}

function getField(field: string, r: Bounds): CronField {
  const f: CronField = { values: new Set(), star: false };
  for (const expr of field.split(',').filter((x) => x !== '')) getRange(expr, r, f);
  return f;
}

const only = (...values: number[]): CronField => ({ values: new Set(values), star: false });
function all(r: Bounds): CronField {
  const values = new Set<number>();
  for (let v = r.min; v <= r.max; v++) values.add(v);
  return { values, star: true };
}

const NS_PER_UNIT: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds (a float: @every only needs whole seconds). */
export function parseGoDuration(s: string): number {
  const orig = s;
  let rest = s;
  let neg = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new CronError(`time: invalid duration ${goQuote(orig)}`);
  let total = 0;
  while (rest !== '') {
    const num = /^(\d*)(\.\d*)?/.exec(rest)!;
    if (num[0] === '' || num[0] === '.') throw new CronError(`time: invalid duration ${goQuote(orig)}`);
    rest = rest.slice(num[0].length);
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === '') throw new CronError(`time: missing unit in duration ${goQuote(orig)}`);
    const scale = NS_PER_UNIT[unit];
    if (scale === undefined) throw new CronError(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(orig)}`);
    rest = rest.slice(unit.length);
    total += Number(num[0]) * scale;
  }
  if (total > 2 ** 63 - 1) throw new CronError(`time: invalid duration ${goQuote(orig)}`);
  return neg ? -total : total;
}

/** A field schedule (robfig's SpecSchedule); `zone` undefined: the zone of the process, as Go's time.Local. */
export class SpecSchedule implements CronSchedule {
  constructor(
    readonly second: CronField, readonly minute: CronField, readonly hour: CronField,
    readonly dom: CronField, readonly month: CronField, readonly dow: CronField,
    readonly zone?: string,
  ) {}

  /** robfig's dayMatches: with a `*` in either day field both must match, else either. */
  private dayMatches(w: WallClock): boolean {
    const domMatch = this.dom.values.has(w.day);
    const dowMatch = this.dow.values.has(w.weekday);
    if (this.dom.star || this.dow.star) return domMatch && dowMatch;
    return domMatch || dowMatch;
  }

  next(afterMs: number): number | undefined {
    const zone = this.zone ?? localTimeZone();
    // The earliest possible time: the coming second.
    let t = Math.floor(afterMs / 1000) * 1000 + 1000;
    let added = false;
    let w = wallClock(t, zone);
    const yearLimit = w.year + 5;
    const HOUR = 3_600_000;
    wrap: for (;;) {
      w = wallClock(t, zone);
      if (w.year > yearLimit) return undefined;
      while (!this.month.values.has(w.month)) {
        if (!added) { added = true; t = fromWallClock(zone, w.year, w.month, 1); w = wallClock(t, zone); }
        t = fromWallClock(zone, w.year, w.month + 1, w.day, w.hour, w.minute, w.second);
        w = wallClock(t, zone);
        if (w.month === 1) continue wrap;
      }
      while (!this.dayMatches(w)) {
        if (!added) { added = true; t = fromWallClock(zone, w.year, w.month, w.day); w = wallClock(t, zone); }
        t = fromWallClock(zone, w.year, w.month, w.day + 1, w.hour, w.minute, w.second);
        w = wallClock(t, zone);
        // A daylight-saving change can leave the day starting at 23:00 or 01:00: back to midnight.
        if (w.hour !== 0) {
          t += w.hour > 12 ? (24 - w.hour) * HOUR : -w.hour * HOUR;
          w = wallClock(t, zone);
        }
        if (w.day === 1) continue wrap;
      }
      while (!this.hour.values.has(w.hour)) {
        if (!added) { added = true; t = fromWallClock(zone, w.year, w.month, w.day, w.hour); }
        t += HOUR;
        w = wallClock(t, zone);
        if (w.hour === 0) continue wrap;
      }
      while (!this.minute.values.has(w.minute)) {
        if (!added) { added = true; t = Math.floor(t / 60_000) * 60_000; }
        t += 60_000;
        w = wallClock(t, zone);
        if (w.minute === 0) continue wrap;
      }
      while (!this.second.values.has(w.second)) {
        if (!added) { added = true; t = Math.floor(t / 1000) * 1000; }
        t += 1000;
        w = wallClock(t, zone);
        if (w.second === 0) continue wrap;
      }
      return t;
    }
  }
}

/** `@every <duration>` (robfig's ConstantDelaySchedule): at least a second, whole seconds. */
export class ConstantDelaySchedule implements CronSchedule {
  readonly delayMs: number;
  constructor(delayNs: number) {
    const seconds = Math.max(1, Math.floor(delayNs / 1e9));
    this.delayMs = seconds * 1000;
  }

  next(afterMs: number): number {
    return Math.floor(afterMs / 1000) * 1000 + this.delayMs;
  }
}

function parseDescriptor(spec: string, zone: string | undefined): CronSchedule {
  const second = only(0);
  switch (spec) {
    case '@yearly': case '@annually':
      return new SpecSchedule(second, only(0), only(0), only(1), only(1), all(DOW), zone);
    case '@monthly':
      return new SpecSchedule(second, only(0), only(0), only(1), all(MONTHS), all(DOW), zone);
    case '@weekly':
      return new SpecSchedule(second, only(0), only(0), all(DOM), all(MONTHS), only(0), zone);
    case '@daily': case '@midnight':
      return new SpecSchedule(second, only(0), only(0), all(DOM), all(MONTHS), all(DOW), zone);
    case '@hourly':
      return new SpecSchedule(second, only(0), all(HOURS), all(DOM), all(MONTHS), all(DOW), zone);
    default:
      break;
  }
  if (spec.startsWith('@every ')) {
    let ns: number;
    try {
      ns = parseGoDuration(spec.slice('@every '.length));
    } catch (e) {
      throw new CronError(`failed to parse duration ${spec}: ${(e as Error).message}`);
    }
    return new ConstantDelaySchedule(ns);
  }
  throw new CronError(`unrecognized descriptor: ${spec}`);
}

/**
 * robfig/cron's ParseStandard: "min hour dom month dow" or a descriptor, optionally prefixed by
 * TZ=<zone> or CRON_TZ=<zone>. Without a prefix the schedule reads `defaultZone` (upstream: the
 * controller manager's local zone). Throws CronError with the parser's message.
 */
export function parseStandard(input: string, defaultZone?: string): CronSchedule {
  let spec = input;
  if (spec.length === 0) throw new CronError('empty spec string');
  let zone = defaultZone;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const i = spec.indexOf(' ');
    const eq = spec.indexOf('=');
    const name = i < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, i);
    if (!isKnownTimeZone(name)) throw new CronError(`provided bad location ${name}: unknown time zone ${name}`);
    zone = name === '' ? 'UTC' : name;
    spec = i < 0 ? '' : spec.slice(i).trim();
  }
  if (spec.startsWith('@')) return parseDescriptor(spec, zone);
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const [minute, hour, dom, month, dow] = [MINUTES, HOURS, DOM, MONTHS, DOW].map((b, i) => getField(fields[i]!, b)) as [CronField, CronField, CronField, CronField, CronField];
  return new SpecSchedule(only(0), minute, hour, dom, month, dow, zone);
}

/** The parser's error for a schedule, or undefined when it parses (the API server's check). */
export function cronScheduleError(spec: string): string | undefined {
  try {
    parseStandard(spec, 'UTC');
    return undefined;
  } catch (e) {
    if (e instanceof CronError) return e.message;
    throw e;
  }
}
