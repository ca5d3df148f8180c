// Python's datetime module: date, time, datetime, timedelta, timezone. They
// load from and dump to exactly what CPython's __reduce__ gives: a bytes state
// (year, month, … microsecond packed big-endian) plus the tzinfo, or
// timedelta's (days, seconds, microseconds).
import { PicklingError, UnpicklingError } from '../errors.js';

type State = Uint8Array | string;

/** The state bytes of a date/time/datetime, from bytes or (Python 2 pickles) a latin-1 str. */
function stateBytes(state: State, length: number, what: string): Uint8Array {
  const bytes = typeof state === 'string' ? Uint8Array.from(state, (c) => c.charCodeAt(0)) : state;
  if (bytes.length !== length) throw new UnpicklingError(`bad ${what} state: ${bytes.length} bytes, expected ${length}`);
  return bytes;
}

/** The microseconds packed big-endian in three state bytes from `at`. */
function microsecondsAt(b: Uint8Array, at: number): number {
  return (b[at] << 16) | (b[at + 1] << 8) | b[at + 2];
}

/** State bytes from their values, stored one by one (Uint8Array.of and a Uint8Array made from an array copy them through generic builtin or runtime calls). */
function packState(values: number[]): Uint8Array {
  const state = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) state[i] = values[i];
  return state;
}

function isState(value: unknown): value is State {
  return value instanceof Uint8Array || typeof value === 'string';
}

function int(value: unknown, what: string): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new UnpicklingError(`${what} must be an integer`);
  return n;
}

function tz(value: unknown): TimeZone | null {
  if (value === undefined || value === null) return null;
  if (!(value instanceof TimeZone)) throw new UnpicklingError('tzinfo must be a datetime.timezone');
  return value;
}

const MICROSECONDS_PER_DAY = 86_400_000_000n;

/** datetime.timedelta, normalized as Python does: 0 <= seconds < 86400, 0 <= microseconds < 10**6. */
export class TimeDelta {
  readonly days: number;
  readonly seconds: number;
  readonly microseconds: number;

  constructor(days: unknown = 0, seconds: unknown = 0, microseconds: unknown = 0) {
    const total = BigInt(int(days, 'days')) * MICROSECONDS_PER_DAY + BigInt(int(seconds, 'seconds')) * 1_000_000n + BigInt(int(microseconds, 'microseconds'));
    let d = total / MICROSECONDS_PER_DAY;
    let rest = total % MICROSECONDS_PER_DAY;
    if (rest < 0n) {
      rest += MICROSECONDS_PER_DAY;
      d -= 1n;
    }
    this.days = Number(d);
    this.seconds = Number(rest / 1_000_000n);
    this.microseconds = Number(rest % 1_000_000n);
  }

  totalMicroseconds(): bigint {
    return BigInt(this.days) * MICROSECONDS_PER_DAY + BigInt(this.seconds) * 1_000_000n + BigInt(this.microseconds);
  }

  __reduce__(): [unknown, unknown[]] {
    return [TimeDelta, [this.days, this.seconds, this.microseconds]];
  }
}

/** datetime.timezone: a fixed offset from UTC, with an optional name. */
export class TimeZone {
  static readonly utc = new TimeZone(new TimeDelta());

  constructor(
    readonly offset: TimeDelta,
    readonly name: string | null = null,
  ) {
    if (!(offset instanceof TimeDelta)) throw new UnpicklingError('timezone offset must be a timedelta');
    if (name !== null && typeof name !== 'string') throw new UnpicklingError('timezone name must be a str');
  }

  __reduce__(): [unknown, unknown[]] {
    return [TimeZone, this.name === null ? [this.offset] : [this.offset, this.name]];
  }
}

/** datetime.date. */
export class PyDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;

  constructor(year: unknown, month?: unknown, day?: unknown) {
    if (isState(year) && month === undefined) {
      const b = stateBytes(year, 4, 'date');
      year = b[0] * 256 + b[1];
      month = b[2];
      day = b[3];
    }
    this.year = int(year, 'year');
    this.month = int(month, 'month');
    this.day = int(day, 'day');
  }

  /** Midnight UTC of this date. */
  toDate(): Date {
    return new Date(Date.UTC(this.year, this.month - 1, this.day));
  }

  __reduce__(): [unknown, unknown[]] {
    return [PyDate, [packState([this.year >> 8, this.year & 0xff, this.month, this.day])]];
  }
}

/** datetime.time. */
export class PyTime {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly microsecond: number;
  readonly tzinfo: TimeZone | null;
  readonly fold: number;

  constructor(hour: unknown = 0, minute?: unknown, second: unknown = 0, microsecond: unknown = 0, tzinfo: unknown = null, fold: unknown = 0) {
    if (isState(hour)) {
      const b = stateBytes(hour, 6, 'time');
      tzinfo = minute ?? null;
      fold = b[0] >> 7;
      hour = b[0] & 0x7f;
      minute = b[1];
      second = b[2];
      microsecond = microsecondsAt(b, 3);
    }
    this.hour = int(hour, 'hour');
    this.minute = int(minute ?? 0, 'minute');
    this.second = int(second, 'second');
    this.microsecond = int(microsecond, 'microsecond');
    this.tzinfo = tz(tzinfo);
    this.fold = int(fold, 'fold');
  }

  __reduce_ex__(protocol: number): [unknown, unknown[]] {
    const hour = this.hour | (protocol > 3 && this.fold ? 0x80 : 0);
    const us = this.microsecond;
    const state = packState([hour, this.minute, this.second, us >> 16, (us >> 8) & 0xff, us & 0xff]);
    return [PyTime, this.tzinfo ? [state, this.tzinfo] : [state]];
  }
}

/** datetime.datetime. */
export class PyDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly microsecond: number;
  readonly tzinfo: TimeZone | null;
  readonly fold: number;

  constructor(
    year: unknown, month?: unknown, day?: unknown, hour: unknown = 0, minute: unknown = 0, second: unknown = 0,
    microsecond: unknown = 0, tzinfo: unknown = null, fold: unknown = 0,
  ) {
    if (isState(year)) {
      const b = stateBytes(year, 10, 'datetime');
      tzinfo = month ?? null;
      fold = b[2] >> 7;
      // (one assignment each: a destructured array literal is an allocation and an iteration, on every datetime loaded)
      year = b[0] * 256 + b[1];
      month = b[2] & 0x7f;
      day = b[3];
      hour = b[4];
      minute = b[5];
      second = b[6];
      microsecond = microsecondsAt(b, 7);
    }
    this.year = int(year, 'year');
    this.month = int(month, 'month');
    this.day = int(day, 'day');
    this.hour = int(hour, 'hour');
    this.minute = int(minute, 'minute');
    this.second = int(second, 'second');
    this.microsecond = int(microsecond, 'microsecond');
    this.tzinfo = tz(tzinfo);
    this.fold = int(fold, 'fold');
  }

  /** The instant as a JS Date (millisecond precision); a naive datetime is taken as UTC. */
  toDate(): Date {
    const ms = Date.UTC(this.year, this.month - 1, this.day, this.hour, this.minute, this.second, Math.floor(this.microsecond / 1000));
    const offset = this.tzinfo ? Number(this.tzinfo.offset.totalMicroseconds() / 1000n) : 0;
    return new Date(ms - offset);
  }

  /** A naive datetime from a JS Date's UTC fields, or an aware one in UTC with `utc`. */
  static fromDate(date: Date, utc = false): PyDateTime {
    return new PyDateTime(
      date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(),
      date.getUTCSeconds(), date.getUTCMilliseconds() * 1000, utc ? TimeZone.utc : null,
    );
  }

  __reduce_ex__(protocol: number): [unknown, unknown[]] {
    const month = this.month | (protocol > 3 && this.fold ? 0x80 : 0);
    const us = this.microsecond;
    const state = packState([this.year >> 8, this.year & 0xff, month, this.day, this.hour, this.minute, this.second, us >> 16, (us >> 8) & 0xff, us & 0xff]);
    return [PyDateTime, this.tzinfo ? [state, this.tzinfo] : [state]];
  }
}

/** A JS Date is an instant: it dumps as an aware datetime.datetime in UTC (millisecond precision). */
export function dateReducer(date: Date): unknown[] {
  if (Number.isNaN(date.getTime())) throw new PicklingError('cannot pickle an invalid Date');
  return PyDateTime.fromDate(date, true).__reduce_ex__(2);
}

export const datetimeModule = { date: PyDate, time: PyTime, datetime: PyDateTime, timedelta: TimeDelta, timezone: TimeZone };
