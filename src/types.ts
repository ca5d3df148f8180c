// JS stand-ins for the Python types that have no JS twin.

/**
 * A Python tuple: an Array (Array.isArray is true) that `instanceof Tuple`
 * tells from a list. Made like an Array: `new Tuple(a, b)`, `Tuple.of(…)`,
 * `Tuple.from(…)` (so `new Tuple(3)` has length 3 — use `Tuple.of(3)` for a
 * one-number tuple). Its constructor is Array's own, which V8 makes fast.
 */
export class Tuple<T = unknown> extends Array<T> {
  // map(), filter(), slice() … give plain arrays.
  static get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** A tuple of the items of `items` (safe for any length, unlike spreading). */
  static fromArray<T>(items: ArrayLike<T>): Tuple<T> {
    const array = new Array<T>(items.length);
    for (let i = 0; i < items.length; i++) array[i] = items[i];
    return asTuple(array);
  }
}

/**
 * @internal Makes `array`, which nothing else holds, a Tuple: V8 constructs a
 * subclass of Array through its generic path (`new Tuple(2)` and two stores:
 * ~0.15 µs, four times an array literal), and gives an array a new prototype
 * by a transition it caches.
 */
export function asTuple<T>(array: T[]): Tuple<T> {
  return Object.setPrototypeOf(array, TUPLE_PROTOTYPE) as Tuple<T>;
}

/**
 * @internal `Tuple.prototype`, read once. TurboFan cannot fold a class
 * imported from another module (its binding could change), so it compiles
 * `Tuple.prototype` to a LoadIC call, ~40 instructions.
 */
export const TUPLE_PROTOTYPE = Tuple.prototype;

/**
 * @internal `value instanceof Tuple`, without its cost: with the class not
 * a constant (above), `instanceof` looks up Symbol.hasInstance each time
 * (~29 ns measured); isPrototypeOf walks the same chain inline (~3 ns).
 */
export function isTuple(value: unknown): value is Tuple {
  return TUPLE_PROTOTYPE.isPrototypeOf(value as object);
}

/** A Python bytearray (bytes load as plain Uint8Array). */
export class ByteArray extends Uint8Array {}

/** A Python frozenset. */
export class FrozenSet<T = unknown> extends Set<T> {}

/** A Python complex number. */
export class Complex {
  constructor(
    public real: number,
    public imag: number,
  ) {}
}

/**
 * A stand-in for a Python object whose class is not registered, loaded with
 * `unknownGlobals: 'stub'`: the global it names and what was applied to it.
 * A stub with `args === undefined` is the bare global (a class or function);
 * calling it (REDUCE, NEWOBJ, …) makes a new stub holding the arguments.
 */
export class PyObject {
  /** How it was made: 'global' for the bare name, else the opcode or helper that applied it. */
  kind: 'global' | 'reduce' | 'newobj' | 'newobj_ex' | 'reconstructor';
  args?: unknown[];
  kwargs?: unknown;
  /** What BUILD gave it, if anything. */
  state?: unknown;
  /** What APPEND(S) and SETITEM(S) added, if anything. */
  listItems?: unknown[];
  dictItems?: [unknown, unknown][];

  constructor(
    public module: string,
    public qualname: string,
    kind: PyObject['kind'] = 'global',
    args?: unknown[],
    kwargs?: unknown,
  ) {
    this.kind = kind;
    this.args = args;
    this.kwargs = kwargs;
  }
}

/**
 * A buffer for protocol 5's out-of-band data, as Python's pickle.PickleBuffer:
 * given `bufferCallback`, it is handed to the callback and written as
 * NEXT_BUFFER (plus READONLY_BUFFER when read-only) unless the callback
 * returns true; otherwise it is written in band as bytes (read-only) or a
 * bytearray.
 */
export class PickleBuffer {
  constructor(
    public readonly data: Uint8Array,
    public readonly readonly = !(data instanceof ByteArray),
  ) {}
}
