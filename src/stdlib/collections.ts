// collections.OrderedDict, deque and defaultdict, and the builtins range and
// slice: JS classes that load from and dump to what CPython's __reduce__ gives.
import { UnpicklingError } from '../errors.js';
import { Tuple } from '../types.js';

function iterable(value: unknown, what: string): Iterable<unknown> {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value) || value instanceof Set || value instanceof Map || typeof value === 'string') return value;
  throw new UnpicklingError(`${what} argument must be iterable`);
}

/** collections.OrderedDict: a Map (Maps keep insertion order). */
export class OrderedDict<K = unknown, V = unknown> extends Map<K, V> {
  constructor(entries?: unknown) {
    super();
    for (const entry of iterable(entries, 'OrderedDict')) {
      if (!Array.isArray(entry) || entry.length !== 2) throw new UnpicklingError('OrderedDict items must be pairs');
      this.set(entry[0] as K, entry[1] as V);
    }
  }

  __reduce__(): unknown[] {
    return [OrderedDict, [], null, null, this.entries()];
  }
}

/** collections.defaultdict: a Map with its default factory (a Python callable, kept, not called). */
export class DefaultDict<K = unknown, V = unknown> extends Map<K, V> {
  constructor(readonly defaultFactory: unknown = null, entries?: unknown) {
    super();
    if (entries !== undefined) for (const [k, v] of new OrderedDict<K, V>(entries)) this.set(k, v);
  }

  __reduce__(): unknown[] {
    return [DefaultDict, this.defaultFactory === null ? [] : [this.defaultFactory], null, null, this.entries()];
  }
}

/** collections.deque: an Array with the deque's maxlen (null: unbounded). */
export class Deque<T = unknown> extends Array<T> {
  static get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  maxlen: number | null;

  constructor(items?: unknown, maxlen: unknown = null) {
    super();
    if (maxlen !== null && (typeof maxlen !== 'number' || !Number.isInteger(maxlen) || maxlen < 0)) {
      throw new UnpicklingError('maxlen must be a non-negative integer');
    }
    this.maxlen = maxlen;
    for (const item of iterable(items, 'deque')) this.push(item as T);
  }

  __reduce__(): unknown[] {
    return [Deque, this.maxlen === null ? [] : [new Tuple(), this.maxlen], null, this.values()];
  }
}

function optionalInt(value: unknown, what: string): number | bigint | null {
  if (value === null || value === undefined) return null;
  if ((typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint') return value;
  throw new UnpicklingError(`${what} must be an integer or None`);
}

/** builtins.range. */
export class Range {
  readonly start: number | bigint;
  readonly stop: number | bigint;
  readonly step: number | bigint;

  constructor(start: unknown, stop?: unknown, step: unknown = 1) {
    if (stop === undefined) [start, stop] = [0, start];
    this.start = optionalInt(start, 'range start') ?? 0;
    this.stop = optionalInt(stop, 'range stop') ?? 0;
    this.step = optionalInt(step, 'range step') ?? 1;
    if (this.step == 0) throw new UnpicklingError('range() arg 3 must not be zero');
  }

  __reduce__(): [unknown, unknown[]] {
    return [Range, [this.start, this.stop, this.step]];
  }
}

/** builtins.slice: start, stop and step may be anything, as in Python. */
export class Slice {
  constructor(
    readonly start: unknown = null,
    readonly stop: unknown = null,
    readonly step: unknown = null,
  ) {}

  __reduce__(): [unknown, unknown[]] {
    return [Slice, [this.start, this.stop, this.step]];
  }
}

export const collectionsModule = { OrderedDict, defaultdict: DefaultDict, deque: Deque };
