// dumps: walks JS values and decides what to write, as CPython's pickle.py
// save() does, onto the tape of an EncodeSession; the wasm core writes the
// bytes. The walk keeps its own stack of frames (no recursion on the value's
// depth), which also gives error messages their path ($.users[3].avatar).
import { reverseFixImport } from './compat.js';
import { Latin1Str, builtins, codecsEncode, newobj, newobjEx, reconstructor } from './builtins.js';
import { classFromSource, functionFromSource, staticsOf } from './byValue.js';
import { DumpMemo } from './dumpMemo.js';
import { EncodeSession, isInt64, isInteger } from './encodeSession.js';
import { PicklingError } from './errors.js';
import { globalEntry, type GlobalEntry } from './globalTable.js';
import { beginDump, endDump, keyTable, valueTable, ValueTable } from './keyTable.js';
import { StrTableLimit, type StrEntry } from './strTable.js';
import { isClass, typeName } from './objects.js';
import { Op } from './opcodes.js';
import { Registry, registry as defaultRegistry } from './Registry.js';
import { Layout, Rec, RecFlag } from './tape.js';
import { latin1String } from './strings.js';
import { rawUnicodeEscape } from './textEncoding.js';
import { ByteArray, Complex, FrozenSet, PickleBuffer, PyObject, TUPLE_PROTOTYPE, Tuple } from './types.js';

/** What __reduce__ returns: [callable, args, state?, listItems?, dictItems?, stateSetter?]. */
export type ReduceValue = [
  callable: unknown,
  args: ArrayLike<unknown>,
  state?: unknown,
  listItems?: Iterable<unknown> | null,
  dictItems?: Iterable<[unknown, unknown]> | null,
  stateSetter?: unknown,
];

export interface DumpOptions {
  /** 0 to 5 (default 5, Python's HIGHEST_PROTOCOL). */
  protocol?: number;
  /** Where classes and functions find their names (default: the default registry). */
  registry?: Registry;
  /** Called for every value first: a result other than undefined is written as a persistent id instead. */
  persistentId?(obj: unknown): unknown;
  /** Called for every JS object (classes and functions included) not yet written: a ReduceValue, or undefined to carry on. */
  reducerOverride?(obj: unknown): ReduceValue | undefined;
  /** Protocol 5: receives each out-of-band buffer; a true result writes it in band after all. */
  bufferCallback?(buffer: PickleBuffer): unknown;
  /** With bufferCallback: Uint8Arrays and ByteArrays of at least this many bytes go as PickleBuffers (default 65536). */
  outOfBandThreshold?: number;
  /** Write Python 2 names (__builtin__, copy_reg) at protocols 0–2 (default true), as Python's fix_imports. */
  fixImports?: boolean;
  /** Largest pickle to write, in bytes (default 2^32 − 1, the most a Uint8Array holds here): beyond it, a PicklingError. */
  maxBytes?: number;
  /**
   * Pickle unregistered classes and functions by value, as dill does: name,
   * bases, static data and JS source (loads re-creates them only with
   * allowCode). Default false: they are a PicklingError.
   */
  byValue?: boolean;
}

export const DEFAULT_PROTOCOL = 5;
/** Python's limit for int-to-text conversion (sys.int_info.default_max_str_digits). */
const MAX_INT_DIGITS = 4300;
/** Items per APPENDS / SETITEMS / ADDITEMS, as CPython's _BATCHSIZE. */
const BATCH_SIZE = 1000;
/**
 * How deep plain dicts, lists, tuples and Maps of less than a batch are
 * written at once, recursing (see writesNow); deeper ones go through frames,
 * so that nothing recurses on the value's depth.
 */
const MAX_DIRECT_DEPTH = 64;
/**
 * The most keys of a dict whose values are read by for-in (writeDictNow); a
 * larger one's are read by key. V8 makes JSON.parse's objects of more
 * properties than this dictionary-mode objects, which have no field indices
 * for for-in to read by (measured with Object.values, which read those 4x
 * slower than by key: a JSON-parsed dict of 200 keys dumped in 0.45 of the
 * time by key).
 */
const MAX_FAST_KEYS = 128;

/**
 * After every this many strs new to a dump in the value table, JS stops
 * sharing strs itself unless as many repeated (see saveTableStr): a str new
 * to the table (its hash, its entry, its UTF-8 written alone) costs ~80 ns
 * more than a str the encoder shares. ValueTable.STRS_PER_DUMP (512) is a
 * multiple of it: checkValueTable, which stops at that many, runs only here.
 */
const VALUE_PROBE = 128;

/** The opcode that makes a tuple of 0-3 items from the stack at protocol 2+. */
const TUPLE_OF_LENGTH = [Op.EMPTY_TUPLE, Op.TUPLE1, Op.TUPLE2, Op.TUPLE3];

const enum Kind {
  LIST,
  TUPLE,
  DICT,
  MAP,
  SET,
  FROZENSET,
  /** The parts of a reduce value, in order. */
  REDUCE,
}

const enum Batch {
  NONE,
  APPENDS,
  SETITEMS,
  ADDITEMS,
}

/** A container being written: its items, which of them is next, and what to write when done. */
class Frame {
  /** The next item to write, where the batch being written ends, and how many elements it has (0: none open). */
  index = 0;
  batchEnd = 0;
  batchElements = 0;
  /** Items an element takes: 2 for a dict (key, value), else 1. */
  readonly per: number;

  constructor(
    readonly kind: Kind,
    readonly owner: unknown,
    /** The values to write, in order (a dict's keys and values alternate). */
    readonly items: ArrayLike<unknown>,
    readonly batch: Batch,
    readonly finish: ((frame: Frame) => void) | null,
    /** A list, dict or set itself, batched as CPython's C pickler batches those (see startBatch); not a reduce value's items. */
    readonly exact: boolean,
  ) {
    this.per = kind === Kind.DICT || kind === Kind.MAP ? 2 : 1;
  }

  /** The path segment of the item being written, for error messages. */
  segment(): string {
    const i = this.index - 1;
    const element = Math.floor(i / this.per);
    switch (this.kind) {
      case Kind.DICT:
        return dictSegment(String(this.items[element * 2]), i % 2 === 0);
      case Kind.MAP:
        return mapSegment(element, this.items[element * 2], i % 2 === 0);
      case Kind.REDUCE:
        return `(reduce part ${element})`;
      default:
        return `[${element}]`;
    }
  }
}

/** The path segment of a plain dict's key, or of its value. */
function dictSegment(key: string, isKey: boolean): string {
  if (isKey) return `[key ${JSON.stringify(key)}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** A Map's keys and values, interleaved; keys then values, each by its own iterator (entries' [key, value] pairs cost a 10-item Map a third more). */
function mapItems(map: Map<unknown, unknown>): unknown[] {
  const items = new Array<unknown>(map.size * 2);
  let i = 0;
  for (const key of map.keys()) {
    items[i] = key;
    i += 2;
  }
  i = 1;
  for (const value of map.values()) {
    items[i] = value;
    i += 2;
  }
  return items;
}

/** The path segment of a Map's `element`-th key, or of its value. */
function mapSegment(element: number, key: unknown, isKey: boolean): string {
  return isKey ? `[key ${element}]` : `.get(${describeKey(key)})`;
}

function describeKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean' || key === null) return String(key);
  return typeName(key);
}

/** An instance's default state: its own enumerable properties (not an array's items), or null when it has none. */
function defaultState(value: object): Record<string, unknown> | null {
  const keys = Object.keys(value).filter((key) => !(Array.isArray(value) && /^(0|[1-9]\d*)$/.test(key)));
  if (keys.length === 0) return null;
  return Object.fromEntries(keys.map((key) => [key, (value as Record<string, unknown>)[key]]));
}

/** Python's repr of a float, as FLOAT's argument (Python's float() reads JS's shortest form too). */
function floatText(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Object.is(value, -0)) return '-0.0';
  return String(value);
}

/** Little-endian two's complement in the fewest bytes, as pickle.encode_long. */
function encodeLong(value: bigint): Uint8Array {
  let n = 1;
  while (value < -(1n << BigInt(8 * n - 1)) || value >= 1n << BigInt(8 * n - 1)) n++;
  let unsigned = value < 0n ? value + (1n << BigInt(8 * n)) : value;
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    bytes[i] = Number(unsigned & 0xffn);
    unsigned >>= 8n;
  }
  return bytes;
}

/**
 * Does `options` set nothing but the protocol? Each other option is named
 * here: DumpOptions' keys, checked by the type below.
 */
function setsOnlyProtocol(options: DumpOptions): boolean {
  return options.registry === undefined && options.persistentId === undefined && options.reducerOverride === undefined
    && options.bufferCallback === undefined && options.outOfBandThreshold === undefined && options.fixImports === undefined
    && options.maxBytes === undefined && options.byValue === undefined;
}
type NamedInSetsOnlyProtocol = 'protocol' | 'registry' | 'persistentId' | 'reducerOverride' | 'bufferCallback' | 'outOfBandThreshold' | 'fixImports' | 'maxBytes' | 'byValue';
// (an option added to DumpOptions but not named in setsOnlyProtocol and above makes this `never`: the build fails)
const everyOptionNamed: Exclude<keyof DumpOptions, NamedInSetsOnlyProtocol> extends never ? true : never = true;
void everyOptionNamed;

/** The Picklers dumps() keeps, by protocol (Pickler.forDumps). */
const keptPicklers: (Pickler | undefined)[] = [];

const finishWhole = (session: EncodeSession): Uint8Array => session.finish();
const finishChunks = (session: EncodeSession): Uint8Array[] => session.finishChunks();

export class Pickler {
  readonly protocol: number;
  protected readonly options: DumpOptions;
  protected readonly registry: Registry;
  /** Subclass hooks, as Python's Pickler.reducer_override and persistent_id. */
  reducerOverride?(obj: unknown): ReduceValue | undefined;
  persistentId?(obj: unknown): unknown;

  private session: EncodeSession | null = null;
  private readonly frames: Frame[] = [];
  /** Containers being written at once (recursion depth), and the path below the frames of an error on its way out of them. */
  private directDepth = 0;
  private pathTail = '';
  /** Objects (by identity) and dict keys (by value: those not in keyTable) already written, and their memo index. */
  private readonly memo = new DumpMemo();
  /** The value being dumped (see memoizeWritten). */
  private root: unknown = undefined;
  /** This dump's number (keyTable's beginDump). */
  private dumpNumber = 0;
  /** Does JS share this dump's short str values (saveTableStr; not at protocol 0), and how many it wrote as a GET. */
  private sharesStrs = false;
  private valueRepeats = 0;
  /** The process's tables of dict keys and short str values (fields: a module binding costs V8 more checks a use). */
  private readonly keys = keyTable;
  private readonly values = valueTable;
  /** The hooks in force: the option, else the subclass method. */
  private readonly persistentIdHook: ((obj: unknown) => unknown) | undefined;
  private readonly reducerOverrideHook: ((obj: unknown) => ReduceValue | undefined) | undefined;
  /**
   * Do dict keys go through the key table? At protocol 1+ without a
   * persistentId hook (which sees every key, as Python's does). This and
   * sharesStrs are tested `=== true`: V8 tests a boolean field's truth as
   * any value's (~10 instructions a test in the dict loop).
   */
  private readonly tableKeys: boolean;

  constructor(options: DumpOptions = {}) {
    this.persistentIdHook = options.persistentId ?? this.persistentId?.bind(this);
    this.reducerOverrideHook = options.reducerOverride ?? this.reducerOverride?.bind(this);
    const protocol = options.protocol ?? DEFAULT_PROTOCOL;
    if (!Number.isInteger(protocol) || protocol < 0 || protocol > 5) throw new RangeError(`pickle protocol must be 0 to 5, not ${protocol}`);
    this.protocol = protocol;
    this.tableKeys = protocol >= 1 && this.persistentIdHook === undefined;
    this.options = options;
    this.registry = options.registry ?? defaultRegistry;
  }

  /**
   * @internal The Pickler dumps() uses for `options`: one kept per protocol
   * where they set nothing but the protocol and it is not dumping already (a
   * hook's own dumps() gets a new one), else a new one. A new Pickler a call
   * (its memo, frames and fields, then their garbage) cost a dump of a tuple
   * of 20 ints ~500 instructions of ~7000.
   */
  static forDumps(options: DumpOptions | undefined): Pickler {
    if (options !== undefined && !setsOnlyProtocol(options)) return new Pickler(options);
    const protocol = options?.protocol ?? DEFAULT_PROTOCOL;
    if (typeof protocol !== 'number') return new Pickler(options); // (to throw)
    // (an invalid protocol throws here; the kept one is made with options of its own: nothing of the caller's stays)
    const kept = keptPicklers[protocol] ?? (keptPicklers[protocol] = new Pickler({ protocol }));
    return kept.session === null ? kept : new Pickler(options);
  }

  /** Writes `value` as one pickle. */
  dump(value: unknown): Uint8Array {
    return this.write(value, finishWhole);
  }

  /** Writes `value` as one pickle, returned in the chunks it was made in (for streams: no final copy). */
  dumpChunks(value: unknown): Uint8Array[] {
    return this.write(value, finishChunks);
  }

  private write<T>(value: unknown, finish: (session: EncodeSession) => T): T {
    if (this.session !== null) {
      throw new PicklingError('this Pickler is already dumping (a dump from inside one of its own hooks?): use another Pickler');
    }
    const session = EncodeSession.acquire();
    session.maxBytes = this.options.maxBytes ?? 2 ** 32 - 1;
    this.session = session;
    this.dumpNumber = beginDump();
    this.sharesStrs = this.protocol >= 1;
    this.valueRepeats = 0;
    try {
      session.begin(this.protocol);
      if (this.protocol >= 2) session.record(Op.PROTO, this.protocol, 0);
      this.root = value;
      this.save(value);
      this.run();
      session.record(Op.STOP, 0, 0);
      return finish(session);
    } catch (error) {
      throw this.located(error);
    } finally {
      // emptied or dropped: nothing written stays reachable (a Pickler that dumps again reuses the memo and frames)
      endDump();
      this.session = null;
      this.directDepth = 0;
      this.pathTail = '';
      this.root = undefined;
      if (this.frames.length > 0) this.frames.length = 0; // only after an error: setting length is slow
      this.memo.clear();
      session.release();
    }
  }

  /** Writes the items of open frames until only the first `base` are left, a batch at a time. */
  private run(base = 0): void {
    const frames = this.frames;
    const session = this.session!;
    const numbersInBulk = this.protocol >= 1 && this.persistentIdHook === undefined;
    while (frames.length > base) {
      const frame = frames[frames.length - 1];
      if (frame.index === frame.batchEnd) {
        this.endBatch(frame);
        if (frame.index === frame.items.length) {
          frames.pop();
          frame.finish?.(frame);
          continue;
        }
        this.startBatch(frame);
      }
      // The items of the batch, until one opens a frame of its own (which is written first).
      const items = frame.items;
      const end = frame.batchEnd;
      const depth = frames.length;
      if (frame.per === 2) {
        // Dict keys are memoized by value whatever their length: Python's are interned, written once.
        // A Map's keys may be numbers: runs of numbers (keys and values of a dict of ints) go in bulk.
        const mayRun = numbersInBulk && frame.kind === Kind.MAP;
        while (frame.index < end && frames.length === depth) {
          if (mayRun && typeof items[frame.index] === 'number') {
            frame.index = session.numbers(items, frame.index, end);
            if (frame.index === end) break;
          }
          const item = items[frame.index++];
          if (frame.index % 2 === 1 && typeof item === 'string') this.saveKey(item);
          else this.save(item);
        }
      } else {
        while (frame.index < end && frames.length === depth) {
          // runs of numbers (most of a numeric list) skip save()'s hooks and dispatch
          if (numbersInBulk && typeof items[frame.index] === 'number') frame.index = session.numbers(items, frame.index, end);
          if (frame.index < end) this.save(items[frame.index++]);
        }
      }
    }
  }

  /**
   * Is a batch of `elements` written as one APPEND or SETITEM, without MARK?
   * At protocol 0 every element is. Otherwise, as CPython's C pickler: for a
   * list or dict itself, only when it has a single element; for a reduce
   * value's items, for any batch of one (ADDITEMS has no such form).
   */
  private isSingle(frame: Frame, elements: number): boolean {
    if (frame.batch === Batch.ADDITEMS) return false;
    if (this.protocol === 0) return true;
    return frame.exact ? frame.items.length === frame.per : elements === 1;
  }

  /** Sizes the next batch and opens it with MARK unless it is written as a single APPEND or SETITEM. */
  private startBatch(frame: Frame): void {
    const per = frame.per;
    const left = (frame.items.length - frame.index) / per;
    const elements = frame.batch === Batch.NONE ? left : Math.min(left, this.protocol === 0 ? 1 : BATCH_SIZE);
    frame.batchEnd = frame.index + elements * per;
    frame.batchElements = elements;
    if (frame.batch !== Batch.NONE && !this.isSingle(frame, elements)) this.batchMark();
  }

  /**
   * Closes the batch just written: APPEND(S), SETITEM(S) or ADDITEMS. After a
   * full last batch of a dict or set itself, CPython's C pickler writes an
   * empty batch (its loop asks for more), and so does this, byte for byte.
   */
  private endBatch(frame: Frame): void {
    const elements = frame.batchElements;
    frame.batchElements = 0;
    if (elements === 0) return;
    const single = this.isSingle(frame, elements);
    switch (frame.batch) {
      case Batch.APPENDS: this.op(single ? Op.APPEND : Op.APPENDS); return;
      case Batch.SETITEMS: this.op(single ? Op.SETITEM : Op.SETITEMS); break;
      case Batch.ADDITEMS: this.op(Op.ADDITEMS); break;
    }
    if (frame.exact && elements === BATCH_SIZE && frame.index === frame.items.length) {
      this.batchMark();
      this.op(frame.batch === Batch.SETITEMS ? Op.SETITEMS : Op.ADDITEMS);
    }
  }

  /** A MARK that opens a batch: part of the container's value, not a value of its own (see the encoder's beginsValue). */
  private batchMark(): void {
    this.session!.record(Op.MARK | (RecFlag.BATCH << Layout.FLAGS_SHIFT), 0, 0);
  }

  private op(code: number): void {
    this.session!.record(code, 0, 0);
  }

  private fail(message: string): never {
    throw new PicklingError(message);
  }

  /** Gives an error the path of the value being written. */
  private located(error: unknown): unknown {
    const path = '$' + this.frames.map((frame) => frame.segment()).join('') + this.pathTail;
    if (error instanceof PicklingError) return new PicklingError(`${error.message} (at ${path})`, { cause: error.cause });
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new PicklingError(`${reason} (at ${path})`, { cause: error });
  }

  // --- save: the hooks in order, then the type ---

  /**
   * Writes one value, or opens a frame for it: persistentId, then the memo,
   * then reducerOverride (JS objects only), then the type's own writer, then
   * the registry (classes and functions by name).
   */
  private save(value: unknown, persistent = true): void {
    if (persistent && this.persistentIdHook !== undefined) {
      const pid = this.persistentIdHook(value);
      if (pid !== undefined) return this.savePersistentId(pid);
    }
    // (the commonest first; each `typeof value === '…'` compiles to a check inline, where a `switch
    // (typeof value)` calls V8's Typeof builtin first: ~36 instructions a value)
    if (typeof value === 'string') return this.saveString(value);
    if (typeof value === 'number') return this.saveNumber(value);
    if (typeof value === 'boolean') return this.session!.record(value ? Rec.TRUE : Rec.FALSE, 0, 0);
    if (value === undefined || value === null) return this.op(Op.NONE);
    if (typeof value === 'bigint') return this.saveBigInt(value);
    if (typeof value === 'symbol') return this.fail(`cannot pickle a symbol (${String(value)})`);
    const index = this.memo.get(value);
    if (index !== undefined) return this.session!.record(Rec.GET, index, 0);
    const reduced = this.reducerOverrideHook?.(value);
    if (reduced !== undefined) return this.saveReduce(reduced, value);
    this.saveObject(value as object);
  }

  private savePersistentId(pid: unknown): void {
    if (this.protocol >= 1) {
      this.save(pid, false);
      this.op(Op.BINPERSID);
      return;
    }
    if (typeof pid !== 'string' || !/^[\x00-\x09\x0b-\x7f]*$/.test(pid)) {
      this.fail('persistent IDs in protocol 0 must be ASCII strings without newlines');
    }
    this.session!.latin1Payload(Op.PERSID, pid, '\n');
  }

  /** Writers of the built-in types but dict, list, tuple and Map (see saveObject), by exact prototype (a subclass goes through the reduce protocol, as in Python). */
  private static readonly dispatch = new Map<object, (pickler: Pickler, value: any) => void>([
    [Uint8Array.prototype, (p, v: Uint8Array) => p.saveBytes(v)],
    [ByteArray.prototype, (p, v: ByteArray) => p.saveByteArray(v)],
    [ArrayBuffer.prototype, (p, v: ArrayBuffer) => p.saveBytes(new Uint8Array(v), v)],
    [Set.prototype, (p, v: Set<unknown>) => p.saveSet(v)],
    [FrozenSet.prototype, (p, v: FrozenSet) => p.saveFrozenSet(v)],
    [Complex.prototype, (p, v: Complex) => p.saveReduce([builtins.complex, [v.real, v.imag]], v)],
    [PyObject.prototype, (p, v: PyObject) => p.savePyObject(v)],
    [PickleBuffer.prototype, (p, v: PickleBuffer) => p.savePickleBuffer(v)],
    [Latin1Str.prototype, (p, v: Latin1Str) => p.saveLatin1Str(v)],
    ...(typeof Buffer === 'function' ? [[Buffer.prototype, (p: Pickler, v: Uint8Array) => p.saveBytes(v)] as const] : []),
  ]);

  /**
   * After the hooks: a built-in type's writer; a registered value by name; a
   * reducer from registerReducer; the object's own __reduce_ex__(protocol)
   * or __reduce__(); by value (with byValue) for unregistered classes and
   * functions; else, for an instance of a registered class, what Python's
   * object.__reduce_ex__ does.
   */
  private saveObject(value: object): void {
    const prototype = Object.getPrototypeOf(value);
    // the commonest four (a null-prototype object is a dict too), then the other built-in types (a Map lookup: ~40 ns)
    if (prototype === Object.prototype || prototype === null) return this.saveDict(value as Record<string, unknown>);
    if (prototype === Array.prototype) return this.saveList(value as unknown[]);
    if (prototype === TUPLE_PROTOTYPE) return this.saveTuple(value as Tuple);
    if (prototype === Map.prototype) return this.saveMap(value as Map<unknown, unknown>);
    const save = Pickler.dispatch.get(prototype);
    if (save !== undefined) return save(this, value);
    const name = this.registry.nameOf(value);
    if (name !== undefined) return this.saveGlobal(value, name.module, name.qualname);
    const cls: Function | undefined = prototype?.constructor;
    const reducer = typeof cls === 'function' ? this.registry.reducerFor(cls) : undefined;
    const own = value as { __reduce_ex__?: (protocol: number) => unknown; __reduce__?: () => unknown };
    const reduced = reducer !== undefined ? reducer(value)
      : typeof own.__reduce_ex__ === 'function' ? own.__reduce_ex__(this.protocol)
      : typeof own.__reduce__ === 'function' ? own.__reduce__()
      : undefined;
    if (reduced !== undefined) return this.saveReduced(reduced, value, cls);
    if (typeof value === 'function') return this.saveFunctionByValue(value);
    if (ArrayBuffer.isView(value)) {
      this.fail(`cannot pickle a ${cls?.name ?? 'typed array'}: wrap it as new NDArray(dtype, shape, data) for numpy, or as a Uint8Array of its bytes for bytes`);
    }
    if (typeof cls !== 'function' || (this.registry.nameOf(cls) === undefined && !this.options.byValue)) {
      this.fail(`cannot pickle an instance of ${cls?.name || 'an unknown class'}: the class is not registered; register it with registry.register(module, qualname, ${cls?.name || 'cls'})`);
    }
    this.saveReduce(this.reduceInstance(value, cls), value);
  }

  /** A __reduce__ result: a reduce value, or a str naming a global in the object's module, as in Python. */
  private saveReduced(reduced: unknown, value: object, cls: Function | undefined): void {
    if (typeof reduced !== 'string') return this.saveReduce(reduced as ReduceValue, value);
    const module = cls && this.registry.nameOf(cls)?.module;
    if (module === undefined) this.fail(`__reduce__ returned the name ${reduced}, but the class has no registered module`);
    this.saveGlobal(value, module, reduced);
  }

  private saveFunctionByValue(value: Function): void {
    const kind = isClass(value) ? 'class' : 'function';
    if (!this.options.byValue) {
      this.fail(`cannot pickle ${kind} ${value.name || '(anonymous)'}: it is not registered; register it with registry.register(module, qualname, ${value.name || 'value'}), or dump with byValue: true`);
    }
    const source = Function.prototype.toString.call(value);
    if (kind === 'function') return this.saveReduce([functionFromSource, [value.name, source]], value);
    const base = Object.getPrototypeOf(value);
    const bases = base === Function.prototype ? new Tuple() : Tuple.of(base);
    this.saveReduce([classFromSource, [value.name, source, bases, staticsOf(value)]], value);
  }

  /** Python's object.__reduce_ex__(protocol) for an instance: NEWOBJ (2+) or copyreg._reconstructor (0-1), then its state. */
  private reduceInstance(value: object, cls: Function): ReduceValue {
    const own = value as { __getnewargs_ex__?: () => [unknown[], unknown]; __getnewargs__?: () => unknown[]; __getstate__?: () => unknown };
    const state = typeof own.__getstate__ === 'function' ? own.__getstate__() : defaultState(value);
    const listItems = Array.isArray(value) ? value.values() : null;
    const dictItems = value instanceof Map ? value.entries() : null;
    if (this.protocol < 2) return [reconstructor, [cls, builtins.object, null], state, listItems, dictItems];
    if (typeof own.__getnewargs_ex__ === 'function') {
      const [args, kwargs] = own.__getnewargs_ex__();
      return [newobjEx, [cls, args, kwargs], state, listItems, dictItems];
    }
    const args = typeof own.__getnewargs__ === 'function' ? Array.from(own.__getnewargs__()) : [];
    return [newobj, [cls, ...args], state, listItems, dictItems];
  }

  // --- atoms ---

  private saveNumber(value: number): void {
    if (this.protocol >= 1 || isInteger(value)) return this.session!.number(value);
    this.session!.latin1Payload(Rec.FLOAT_TEXT, floatText(value), '\n');
  }

  private saveBigInt(value: bigint): void {
    if (isInt64(value)) return this.session!.int64(value);
    if (this.protocol < 2) {
      const text = value.toString();
      if (text.replace('-', '').length > MAX_INT_DIGITS) {
        this.fail(`an int of more than ${MAX_INT_DIGITS} digits cannot be written as text (protocol ${this.protocol}): Python could not read it; use protocol 2 or higher`);
      }
      return this.session!.latin1Payload(Rec.BIGINT_TEXT, text, 'L\n');
    }
    const bytes = encodeLong(value);
    this.session!.bytesPayload(Rec.BIGINT_BYTES, bytes);
  }

  /**
   * A str value. Equal ones are written once, as Python does for the strs it
   * shares (constants, one object referenced twice): a dump's first short
   * ones through the value table, then the encoder by their bytes
   * (SharedStrs in tape.ts).
   */
  private saveString(value: string): void {
    const shared = RecFlag.SHARED << Layout.FLAGS_SHIFT;
    if (this.protocol === 0) this.session!.latin1Payload(Rec.UNICODE_RAW | shared, rawUnicodeEscape(value), '\n');
    else if (this.fitsValueTable(value)) this.saveTableStr(value, this.values.entry(value));
    else this.session!.str(value, true);
  }

  /** Does the value table take str value `value` (short, and JS still shares strs in this dump)? */
  private fitsValueTable(value: string): boolean {
    return this.sharesStrs === true && value.length <= StrTableLimit.MAX_LENGTH;
  }

  /** Is `value` a str that save() would write through the value table (saveTableStr), without a hook to see it first? */
  private isTableStr(value: unknown): value is string {
    return typeof value === 'string' && this.persistentIdHook === undefined && this.fitsValueTable(value);
  }

  /**
   * A short str value whose UTF-8 comes from the value table
   * (src/strTable.ts), not encoded anew; written once in the dump, then as
   * a GET. JS stops sharing strs (stopValueTable) when the dump has written
   * ValueTable.STRS_PER_DUMP of them, or when fewer strs repeated than
   * were new, checked at every VALUE_PROBE new ones: points that depend on
   * the dump's strs alone, not on what the table held before (a value dumps
   * to the same bytes whenever it is). All but the GET are methods of their
   * own: TurboFan inlines callees up to a budget of bytecode (see
   * EncodeSession.record).
   */
  private saveTableStr(value: string, entry: StrEntry | undefined): void {
    if (entry === undefined) return this.saveStrPastTable(value);
    if (entry.dump === this.dumpNumber) {
      this.valueRepeats++;
      this.session!.record(Rec.GET, entry.index, 0);
    } else this.saveNewTableStr(entry);
  }

  /** saveTableStr() of a str new to the dump: its record and memo store; at every VALUE_PROBE of them, whether JS goes on sharing. */
  private saveNewTableStr(entry: StrEntry): void {
    const session = this.session!;
    entry.dump = this.dumpNumber;
    entry.index = session.tableStr(entry);
    if (session.tableStrCount % VALUE_PROBE === 0) this.checkValueTable();
  }

  /** A str value the value table has no room for (only when a dump inside this one, through a hook, filled it). */
  private saveStrPastTable(value: string): void {
    this.stopValueTable();
    this.session!.str(value, true);
  }

  /** At every VALUE_PROBE strs new to the dump: whether JS goes on sharing str values. */
  private checkValueTable(): void {
    const written = this.session!.tableStrCount;
    if (written === ValueTable.STRS_PER_DUMP || this.valueRepeats < written) this.stopValueTable();
  }

  /** JS stops sharing str values: the encoder shares the dump's later ones, told of those JS wrote (but those a dump inside this one took over). */
  private stopValueTable(): void {
    this.session!.shareTableStrs(this.dumpNumber);
    this.sharesStrs = false;
  }

  /**
   * A dict key, written once, as Python writes its interned keys: through
   * keyTable, else the memo Map (long keys, protocol 0, a full table).
   */
  private saveKey(value: string): void {
    this.writeKey(value, this.tableKeys === true ? this.keys.entry(value) : undefined);
  }

  /** saveKey() for a key whose keyTable entry, if any, is `entry`. */
  private writeKey(value: string, entry: StrEntry | undefined): void {
    if (entry === undefined) return this.writeKeyByValue(value);
    if (entry.dump === this.dumpNumber) return this.session!.foldKeyGet(entry.index);
    this.session!.strAt(entry.address, entry.length);
    entry.dump = this.dumpNumber;
    entry.index = this.session!.memoize();
  }

  /** A key outside keyTable (long, protocol 0, a full table): found in the memo by value; with a persistentId hook, as any str. */
  private writeKeyByValue(value: string): void {
    if (this.persistentIdHook !== undefined) return this.save(value);
    const known = this.memo.get(value);
    if (known !== undefined) return this.session!.keyGet(known);
    if (this.protocol === 0) this.session!.latin1Payload(Rec.UNICODE_RAW, rawUnicodeEscape(value), '\n');
    else this.session!.str(value, false);
    this.memoize(value);
  }

  /** Stores the value just written as the memo's next entry (MEMOIZE, or PUT before protocol 4); returns its index. */
  private memoize(value: unknown): number {
    const index = this.session!.memoize();
    this.memo.set(value, index);
    return index;
  }

  /**
   * The memo store of a value written whole (a tuple after its items,
   * bytes, a frozenset): the value being dumped, once nothing encloses it
   * (not reached again through its own items), takes no entry in the memo:
   * nothing after it can reach it (the tuple of 20 ints at the top dumps
   * 5-8% slower with the entry, even in DumpMemo's arrays).
   */
  private memoizeWritten(value: unknown): void {
    if (value === this.root && this.directDepth === 0 && this.frames.length === 0) this.session!.memoize();
    else this.memoize(value);
  }

  /** The memo's GET for an object that was memoized while its parts were written (a tuple in a cycle). */
  private getFromMemo(value: unknown): void {
    this.session!.record(Rec.GET, this.memo.get(value)!, 0);
  }

  // --- bytes ---

  private outOfBand(value: Uint8Array): boolean {
    return this.protocol >= 5 && this.options.bufferCallback !== undefined && value.length >= (this.options.outOfBandThreshold ?? 65536);
  }

  private saveBytes(value: Uint8Array, identity: object = value): void {
    if (this.outOfBand(value)) return this.savePickleBuffer(new PickleBuffer(value, true));
    if (this.protocol < 3) {
      if (value.length === 0) return this.saveReduce([builtins.bytes, []], identity);
      // its text written from the bytes (saveLatin1Str); hooks see a str, as Python's do
      const hooked = this.persistentIdHook !== undefined || this.reducerOverrideHook !== undefined;
      const text = hooked ? latin1String(value, 0, value.length) : new Latin1Str(value);
      return this.saveReduce([codecsEncode, [text, 'latin1']], identity);
    }
    this.bytesPayload(Rec.BYTES, value);
    this.memoizeWritten(identity);
  }

  /**
   * A bytes value's text at protocols 0–2, as Python writes the str it makes
   * for it: anew (not shared with an equal str), with a memo store that no
   * GET names; at 1–2 straight from the bytes, without a JS string.
   */
  private saveLatin1Str(text: Latin1Str): void {
    const bytes = text.bytes;
    if (this.protocol === 0) this.session!.latin1Payload(Rec.UNICODE_RAW, rawUnicodeEscape(latin1String(bytes, 0, bytes.length)), '\n');
    else this.session!.latin1Str(bytes);
    this.session!.memoize();
  }

  private bytesPayload(kind: number, value: Uint8Array): void {
    this.session!.bytesPayload(kind, value);
  }

  private saveByteArray(value: ByteArray): void {
    if (this.outOfBand(value)) return this.savePickleBuffer(new PickleBuffer(value, false));
    if (this.protocol < 5) return this.saveReduce([builtins.bytearray, value.length ? [Uint8Array.from(value)] : []], value);
    this.bytesPayload(Rec.BYTEARRAY, value);
    this.memoizeWritten(value);
  }

  private savePickleBuffer(buffer: PickleBuffer): void {
    if (this.protocol < 5) this.fail('PickleBuffer can only be pickled with protocol >= 5');
    const callback = this.options.bufferCallback;
    const inBand = callback === undefined || Boolean(callback(buffer));
    if (inBand) {
      this.bytesPayload(buffer.readonly ? Rec.BYTES : Rec.BYTEARRAY, buffer.data);
      return;
    }
    this.op(Op.NEXT_BUFFER);
    if (buffer.readonly) this.op(Op.READONLY_BUFFER);
  }

  // --- containers ---

  private push(kind: Kind, owner: unknown, items: ArrayLike<unknown>, batch: Batch, finish: ((frame: Frame) => void) | null = null, exact = batch !== Batch.NONE): void {
    this.frames.push(new Frame(kind, owner, items, batch, finish, exact));
  }

  /** Is a container of `elements` written at once (writeItemsNow), not through a frame? */
  private writesNow(elements: number): boolean {
    return elements < BATCH_SIZE && this.directDepth < MAX_DIRECT_DEPTH && this.protocol >= 1;
  }

  private saveList(value: unknown[]): void {
    if (this.protocol >= 1) this.op(Op.EMPTY_LIST);
    else {
      this.op(Op.MARK);
      this.op(Op.LIST);
    }
    this.memoize(value);
    if (!this.writesNow(value.length)) return this.push(Kind.LIST, value, value, Batch.APPENDS);
    if (value.length === 0 || this.numbersBatch(value, Op.APPENDS)) return;
    // one batch, as CPython's C pickler writes it: a single element without MARK
    if (value.length > 1) this.batchMark();
    this.writeItemsNow(value, 1);
    this.op(value.length > 1 ? Op.APPENDS : Op.APPEND);
  }

  private saveTuple(value: Tuple): void {
    if (value.length === 0) {
      if (this.protocol >= 1) this.op(Op.EMPTY_TUPLE);
      else {
        this.op(Op.MARK);
        this.op(Op.TUPLE);
      }
      return;
    }
    const short = value.length <= 3 && this.protocol >= 2;
    if (!short) this.op(Op.MARK);
    if (!this.writesNow(value.length)) return this.push(Kind.TUPLE, value, value, Batch.NONE, () => this.endTuple(value, short));
    // numbers cannot hold the tuple: no cycle to look for
    if (this.numbersBatch(value, short ? TUPLE_OF_LENGTH[value.length] : Op.TUPLE)) this.memoizeWritten(value);
    else {
      this.writeItemsNow(value, 1);
      this.endTuple(value, short);
    }
  }

  /** The items of a list or tuple written at once as one NUMBERS run that `closing` ends, if all are numbers and no persistentId hook must see them. */
  private numbersBatch(items: ArrayLike<unknown>, closing: number): boolean {
    return this.persistentIdHook === undefined && typeof items[0] === 'number' && this.session!.numbersBatch(items, closing);
  }

  /** After a tuple's items: TUPLE (or TUPLE1-3), memoized; or, if the tuple was reached again through its own items (a cycle via a list), the items dropped and the memo's GET. */
  private endTuple(value: Tuple, short: boolean): void {
    if (this.memo.has(value)) {
      if (short) for (let i = 0; i < value.length; i++) this.op(Op.POP);
      else if (this.protocol >= 1) this.op(Op.POP_MARK);
      else for (let i = 0; i <= value.length; i++) this.op(Op.POP);
      this.getFromMemo(value);
      return;
    }
    this.op(short ? TUPLE_OF_LENGTH[value.length] : Op.TUPLE);
    this.memoizeWritten(value);
  }

  /**
   * Writes the items of a list or tuple (`per` 1), or a Map's keys and values
   * (`per` 2), here and now, recursing into plain containers: cheaper than a
   * frame for the few items most have. Runs of numbers go in bulk, and
   * whatever the items open frames for is written before the next item.
   */
  private writeItemsNow(items: ArrayLike<unknown>, per: 1 | 2): void {
    const session = this.session!;
    const base = this.frames.length;
    const inBulk = this.persistentIdHook === undefined;
    const n = items.length;
    let i = 0;
    this.directDepth++;
    try {
      while (i < n) {
        if (inBulk && typeof items[i] === 'number') { // (checked here: a call for each other item costs more)
          i = session.numbers(items, i, n);
          if (i === n) break;
        }
        const item = items[i++];
        if (per === 2 && i % 2 === 1 && typeof item === 'string') this.saveKey(item); // a key: see run()
        else if (per === 1 && this.isTableStr(item)) this.saveTableStr(item, this.values.itemAt(item, i - 1)); // by position, as dict keys
        else this.save(item);
        if (this.frames.length > base) this.run(base);
      }
    } catch (error) {
      const at = Math.max(0, i - 1);
      const element = Math.floor(at / per);
      throw this.within(error, base, per === 1 ? `[${element}]` : mapSegment(element, items[element * 2], at % 2 === 0));
    } finally {
      this.directDepth--;
    }
  }

  /** An error on its way out of a container written at once: its path segment, and those of the frames opened inside it, for located(). */
  private within(error: unknown, base: number, segment: string): unknown {
    this.pathTail = segment + this.frames.slice(base).map((frame) => frame.segment()).join('') + this.pathTail;
    this.frames.length = base;
    return error;
  }

  private dictHeader(value: object): void {
    if (this.protocol >= 1) this.op(Op.EMPTY_DICT);
    else {
      this.op(Op.MARK);
      this.op(Op.DICT);
    }
    this.memoize(value);
  }

  private saveDict(value: Record<string, unknown>): void {
    this.dictHeader(value);
    const keys = Object.keys(value);
    if (this.writesNow(keys.length)) return this.writeDictNow(value, keys);
    const items = new Array<unknown>(keys.length * 2);
    for (let i = 0; i < keys.length; i++) {
      items[2 * i] = keys[i];
      items[2 * i + 1] = value[keys[i]];
    }
    this.push(Kind.DICT, value, items, Batch.SETITEMS);
  }

  /**
   * A plain dict's items, written here and now as writeItemsNow writes a
   * list's (one batch: see saveList). Its values by for-in where it can: V8
   * reads each by its field's index (no array of values, no lookup by key).
   * That stops where the object's keys differ from `keys` (a Proxy, a getter
   * that deletes; inherited enumerable keys come last), and the rest is read
   * by key. (The two loops' bodies are alike, but one method for both costs
   * TurboFan's inlining: a DICT_GROUP dump takes 4.5% more instructions.)
   */
  private writeDictNow(value: Record<string, unknown>, keys: string[]): void {
    const n = keys.length;
    if (n === 0) return;
    if (n > 1) this.batchMark();
    const base = this.frames.length;
    let i = 0;
    let atKey = true;
    this.directDepth++;
    try {
      if (n <= MAX_FAST_KEYS) {
        for (const key in value) {
          if (i === n || key !== keys[i]) break;
          atKey = true;
          const entry = this.tableKeys === true ? this.keys.keyAt(key, i) : undefined;
          this.writeKey(key, entry);
          atKey = false;
          this.writeDictValue(entry, value[key], base);
          i++;
        }
      }
      for (; i < n; i++) {
        atKey = true;
        const key = keys[i];
        const entry = this.tableKeys === true ? this.keys.keyAt(key, i) : undefined;
        this.writeKey(key, entry);
        atKey = false;
        this.writeDictValue(entry, value[key], base);
      }
    } catch (error) {
      throw this.within(error, base, dictSegment(keys[i], atKey));
    } finally {
      this.directDepth--;
    }
    this.op(n > 1 ? Op.SETITEMS : Op.SETITEM);
  }

  /**
   * A value of a dict written at once, after its key (whose entry is
   * `entry`): a str's entry through its key's (the value last written under
   * it); a number straight onto the tape (save()'s work for it at protocol 1+
   * with no hook to see it first).
   */
  private writeDictValue(entry: StrEntry | undefined, item: unknown, base: number): void {
    // (a key with an entry: no persistentId hook, see tableKeys)
    if (typeof item === 'string' && entry !== undefined && this.fitsValueTable(item)) this.saveTableStr(item, this.values.entryUnder(entry, item));
    else if (typeof item === 'number' && entry !== undefined) this.session!.number(item);
    else this.save(item);
    if (this.frames.length > base) this.run(base);
  }

  private saveMap(value: Map<unknown, unknown>): void {
    this.dictHeader(value);
    const size = value.size;
    if (!this.writesNow(size)) return this.push(Kind.MAP, value, mapItems(value), Batch.SETITEMS);
    if (size === 0) return;
    // an int-keyed dict of numbers goes onto the tape as it is iterated
    if (this.persistentIdHook === undefined && this.session!.mapNumbers(value)) return;
    if (size > 1) this.batchMark();
    this.writeItemsNow(mapItems(value), 2);
    this.op(size > 1 ? Op.SETITEMS : Op.SETITEM);
  }

  private saveSet(value: Set<unknown>): void {
    if (this.protocol < 4) return this.saveReduce([builtins.set, [[...value]]], value);
    this.op(Op.EMPTY_SET);
    this.memoize(value);
    this.push(Kind.SET, value, [...value], Batch.ADDITEMS);
  }

  private saveFrozenSet(value: FrozenSet<unknown>): void {
    if (this.protocol < 4) return this.saveReduce([builtins.frozenset, [[...value]]], value);
    this.op(Op.MARK);
    this.push(Kind.FROZENSET, value, [...value], Batch.NONE, () => {
      if (this.memo.has(value)) {
        this.op(Op.POP_MARK);
        this.getFromMemo(value);
        return;
      }
      this.op(Op.FROZENSET);
      this.memoizeWritten(value);
    });
  }

  // --- globals and reduce ---

  private saveGlobal(value: unknown, module: string, qualname: string): void {
    const global = globalEntry(module, qualname); // (stubs of one class are distinct objects: by name, not identity)
    if (global.dump === this.dumpNumber) return this.session!.record(Rec.GET, global.index, 0);
    const code = this.protocol >= 2 ? this.registry.extensionCode(module, qualname) : undefined;
    if (code !== undefined) {
      this.session!.record(Rec.EXT, code, 0);
    } else if (this.protocol >= 4) {
      this.save(module, false);
      this.save(qualname, false);
      // The two strs are atoms: written at once, so the opcode can follow now.
      this.op(Op.STACK_GLOBAL);
    } else {
      const line = this.globalLine(global);
      // its UTF-8 from the key table (written once in the process), else encoded now
      const entry = this.keys.entry(line);
      if (entry !== undefined) this.session!.payloadAt(Op.GLOBAL, entry.address, entry.length);
      else this.session!.utf8Payload(Op.GLOBAL, line, '\n');
    }
    global.index = this.memoize(value);
    global.dump = this.dumpNumber;
  }

  /** The text of a global's GLOBAL opcode (protocols 0-3), "module\nqualname" after fixImports' renames: made once, kept in its entry. */
  private globalLine(global: GlobalEntry): string {
    const fix = this.protocol < 3 && this.options.fixImports !== false;
    const known = fix ? global.fixedLine : global.line;
    if (known !== undefined) return known;
    const [module, qualname] = fix ? reverseFixImport(global.module, global.qualname) : [global.module, global.qualname];
    if (module.includes('\n') || qualname.includes('\n')) this.fail(`cannot pickle ${module}.${qualname}: a newline in the name`);
    const line = `${module}\n${qualname}`;
    if (fix) global.fixedLine = line;
    else global.line = line;
    return line;
  }

  /**
   * Writes a reduce value as pickle.py's save_reduce: NEWOBJ / NEWOBJ_EX for
   * copyreg.__newobj__ / __newobj_ex__ at protocol 2+, else callable, args,
   * REDUCE; then memoizes `obj`, then list items, dict items and state.
   */
  protected saveReduce(reduced: ReduceValue, obj: unknown): void {
    if (!Array.isArray(reduced) || reduced.length < 2 || reduced.length > 6) this.fail('a reduce value must be an array of 2 to 6 items');
    const [callable, args, state, listItems, dictItems, stateSetter] = reduced;
    if (args === null || typeof args !== 'object' || typeof (args as ArrayLike<unknown>).length !== 'number') this.fail('reduce arguments must be an array');
    const argList = Array.from(args);
    let opcode: number;
    // after the callable and its arguments: the opcode, the object's memo store, then its items and state
    const finish = () => {
      this.op(opcode);
      if (obj !== undefined && obj !== null && typeof obj !== 'string') {
        if (this.memo.has(obj)) {
          this.op(Op.POP);
          this.getFromMemo(obj);
        } else {
          this.memoize(obj);
        }
      }
      this.afterReduce(obj, state, listItems, dictItems, stateSetter);
    };
    if (this.protocol >= 2 && callable === newobjEx) {
      if (argList.length !== 3) this.fail('copyreg.__newobj_ex__ takes [cls, args, kwargs]');
      if (this.protocol < 4) this.fail('NEWOBJ_EX (keyword arguments to __new__) needs protocol 4 or higher');
      opcode = Op.NEWOBJ_EX;
      return this.push(Kind.REDUCE, obj, [argList[0], Tuple.fromArray(argList[1] as unknown[]), argList[2]], Batch.NONE, finish);
    }
    const newObject = this.protocol >= 2 && callable === newobj;
    if (newObject && argList.length === 0) this.fail('copyreg.__newobj__ needs the class as its first argument');
    opcode = newObject ? Op.NEWOBJ : Op.REDUCE;
    // the callable (or class), then the arguments' tuple
    const head = newObject ? argList.shift() : callable;
    if (argList.length <= 3 && this.protocol >= 2 && this.persistentIdHook === undefined && this.reducerOverrideHook === undefined) {
      // A short tuple no hook sees is written as its items and TUPLE1-3, with no Tuple made for it (CPython memoizes it: so does this).
      argList.unshift(head);
      return this.push(Kind.REDUCE, obj, argList, Batch.NONE, () => {
        this.op(TUPLE_OF_LENGTH[argList.length - 1]);
        if (argList.length > 1) this.session!.memoize();
        finish();
      });
    }
    this.push(Kind.REDUCE, obj, [head, Tuple.fromArray(argList)], Batch.NONE, finish);
  }

  /** List items, dict items and state of a reduce value: frames pushed in reverse, so they run in order. */
  private afterReduce(obj: unknown, state: unknown, listItems: ReduceValue[3], dictItems: ReduceValue[4], stateSetter: unknown): void {
    if (state !== undefined && state !== null) {
      if (stateSetter === undefined || stateSetter === null) {
        this.push(Kind.REDUCE, obj, [state], Batch.NONE, () => this.op(Op.BUILD));
      } else {
        // As pickle.py: stateSetter(obj, state) by REDUCE, result popped.
        this.push(Kind.REDUCE, obj, [stateSetter, obj, state], Batch.NONE, () => {
          this.op(Op.TUPLE2);
          this.op(Op.REDUCE);
          this.op(Op.POP);
        });
      }
    }
    if (dictItems) {
      const items: unknown[] = [];
      for (const [key, value] of dictItems) items.push(key, value);
      this.push(Kind.MAP, obj, items, Batch.SETITEMS, null, false);
    }
    if (listItems) this.push(Kind.LIST, obj, [...listItems], Batch.APPENDS, null, false);
  }

  /** A stub writes back the global, arguments and state it was read from. */
  private savePyObject(value: PyObject): void {
    const cls = this.registry.lookup(value.module, value.qualname) ?? new PyObject(value.module, value.qualname);
    const listItems = value.listItems ?? null;
    const dictItems = value.dictItems ?? null;
    switch (value.kind) {
      case 'global':
        return this.saveGlobal(value, value.module, value.qualname);
      case 'newobj':
        return this.saveReduce([newobj, [cls, ...(value.args ?? [])], value.state, listItems, dictItems], value);
      case 'newobj_ex':
        return this.saveReduce([newobjEx, [cls, value.args ?? [], value.kwargs ?? {}], value.state, listItems, dictItems], value);
      case 'reconstructor':
        return this.saveReduce([reconstructor, [cls, builtins.object, null], value.state, listItems, dictItems], value);
      default:
        return this.saveReduce([cls, value.args ?? [], value.state, listItems, dictItems], value);
    }
  }
}
