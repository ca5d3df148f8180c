// Pass 2 of loads: replays the tape that the wasm scanner wrote (pass 1) on a
// stack machine and builds the JS values, one small method per opcode as in
// CPython's Lib/pickle.py. Nothing here recurses on the pickle's depth.
import { fixImport } from './compat.js';
import { compileBySize } from './compiledBySize.js';
import { globalNamesAt } from './globalLines.js';
import { UnpicklingError } from './errors.js';
import { replaceConverted } from './fixup.js';
import { MAKES_CODE } from './byValue.js';
import { Latin1Str, codecsEncode } from './builtins.js';
import { beginLoad, makeDict, valuesFactory } from './dictShapes.js';
import { latin1BytesOfUtf8 } from './latin1.js';
import { call, isArrayIndex, isPlainObject, newObject, setState, typeName } from './objects.js';
import { opcodeName } from './opcodeNames.js';
import { Op } from './opcodes.js';
import { Registry, registry as defaultRegistry } from './Registry.js';
import { remoteSession } from './remoteScan.js';
import { ScanSession, type TapeViews } from './session.js';
import { escapeDecode, isAscii, latin1String, rawUnicodeEscapeDecode, strictUtf8String, strOfRecord, unitsString, utf8String } from './strings.js';
import { Field, Layout, MemoFlag, Rec, RunFlag, Status, StrFlag } from './tape.js';
import { ByteArray, FrozenSet, PyObject, Tuple, asTuple, isTuple } from './types.js';
import { memory } from './wasm.js';

export interface LoadOptions {
  /** Where globals resolve (default: the default registry, built-in types only). */
  registry?: Registry;
  /** A global that is not registered: an UnpicklingError ('error', default) or a PyObject stub ('stub'). */
  unknownGlobals?: 'error' | 'stub';
  /** How Python 2 str (STRING, BINSTRING, SHORT_BINSTRING) loads: as Python's `encoding=` (default 'ASCII'). */
  encoding?: 'ASCII' | 'latin1' | 'utf-8' | 'bytes';
  /** Map Python 2 module names to Python 3 ones at protocols 0–2 (default true), as Python's `fix_imports=`. */
  fixImports?: boolean;
  /** Resolves PERSID / BINPERSID persistent ids. */
  persistentLoad?: (pid: unknown) => unknown;
  /** Protocol 5 out-of-band buffers, in the order NEXT_BUFFER takes them. */
  buffers?: Iterable<unknown>;
  /** 'auto' (default): a dict whose keys are all str loads as a plain object, any other as a Map. 'map': always a Map. */
  dicts?: 'auto' | 'map';
  /** Copy bytes payloads instead of returning views of the input (default false). */
  copy?: boolean;
  /** Most MARKs open at once (default 100000). */
  maxDepth?: number;
  /** Most memo entries (default 2^24): a pickle cannot make the memo grow beyond it. */
  maxMemo?: number;
  /**
   * Re-create classes and functions pickled by value (dumps with byValue),
   * which runs their JS source (default false: an UnpicklingError naming the class).
   */
  allowCode?: boolean;
}

/** Python's text-to-int conversion limit (sys.int_info.default_max_str_digits), which Python's own loads applies too. */
const MAX_INT_DIGITS = 4300;
const EMPTY = new Uint8Array(0);

function toBytes(data: Uint8Array | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('loads() takes a Uint8Array, an ArrayBuffer or another ArrayBufferView');
}

/** An int given as decimal text, as number when it is safe, else bigint. */
function intFromText(text: string): number | bigint {
  if (text.replace(/^[+-]/, '').length > MAX_INT_DIGITS) {
    throw new UnpicklingError(`an int of more than ${MAX_INT_DIGITS} digits exceeds Python's limit for integer string conversion`);
  }
  return normalizeInt(BigInt(text));
}

/**
 * From this many bytes on, a pickle read whole has a pass before its scan
 * that finds the memo indices it GETs (assembly/memoScan.ts): 1-2 ns a byte,
 * paid back in large pickles, where keeping every value in the memo costs
 * the garbage collector most; small ones keep all their stores.
 */
const MEMO_PASS_MIN = 64 * 1024;

/** The referenced memo indices of a pickle with no GET: none. */
const NO_REFERENCES = new Uint8Array(0);

function isMarked(bitmap: Uint8Array, index: number): boolean {
  const byte = index >>> 3;
  return byte < bitmap.length && (bitmap[byte] & (1 << (index & 7))) !== 0;
}

/**
 * Strs of this many bytes or more that only feed `_codecs.encode(str,
 * 'latin1')` are never made (see onlyEncodedToLatin1). Above StrCache's
 * MAX_LENGTH: no such str is in the string cache, which the replay must keep
 * in step with the scan.
 */
const ENCODED_ONLY_MIN = 256;

/** The shortest first run of numbers for which a list grows ahead of its items (see reserve). */
const MIN_GROWN_RUN = 256;
/**
 * A list sized ahead (see expectedItems) gets at most this many times the
 * items it has, and never more than MAX_SIZED items: where other data follows
 * it (a large bytes after a list, at protocols 0-3, has no frame to end at),
 * the guess costs at most that, and then the list grows by doubling.
 */
const MAX_SIZING_FACTOR = 512;
const MAX_SIZED = 2 ** 27;

/**
 * Record kinds that cannot see a list filled with room to spare (its length
 * runs ahead of its items): they push a new value, mark, memoize, or fill
 * that list (APPENDS). Any other settles it first.
 */
const BLIND_TO_GROWING = new Uint8Array(256);
for (const kind of [
  Rec.NUMBER, Rec.INT64, Rec.BIGINT_BYTES, Rec.BIGINT_TEXT, Rec.FLOAT_TEXT, Rec.STR, Rec.STR_UNITS, Rec.PY2STR, Rec.PY2STR_QUOTED,
  Rec.UNICODE_RAW, Rec.BYTES, Rec.TRUE, Rec.FALSE, Op.NEWTRUE, Op.NEWFALSE, Op.NONE, Op.MARK, Op.APPENDS,
  Rec.PUT, Op.MEMOIZE,
]) {
  BLIND_TO_GROWING[kind] = 1;
}

/** Record kinds that push one value and do nothing else: no code of the user's runs, the stack below stays. */
const ONE_VALUE = new Uint8Array(256);
for (const kind of [Rec.NUMBER, Rec.INT64, Rec.STR, Rec.STR_UNITS, Rec.GET, Rec.TRUE, Rec.FALSE, Op.NEWTRUE, Op.NEWFALSE, Op.NONE]) ONE_VALUE[kind] = 1;

/** A key order the scanner folds dict bodies of: its keys, and the function making a dict from its values (undefined: not looked for yet). */
interface FoldedOrder {
  readonly keys: unknown[];
  make: ((values: unknown[], start: number) => object) | null | undefined;
}

/** The most items of a list made at its size from what the tape shows (see itemsFillingList). */
const MAX_SIZED_LIST = 32;

/**
 * How many items fill the list of the EMPTY_LIST record just before word
 * `w`, where the tape shows them before word `end`: one-value records
 * (ONE_VALUE) and an APPEND (one item) or a MARK, one-value records and an
 * APPENDS, up to MAX_SIZED_LIST; else 0. Nothing else can see the list
 * before they are in it.
 */
function itemsFillingList(tape: Uint32Array, w: number, end: number): number {
  if (w + Layout.RECORD_WORDS >= end) return 0;
  const head = tape[w];
  if ((head & 0xff) !== Op.MARK) return ONE_VALUE[head & 0xff] && (tape[w + Layout.RECORD_WORDS] & 0xff) === Op.APPEND ? 1 : 0;
  if (head & (RunFlag.NUMBERS << Layout.FLAGS_SHIFT)) return 0; // a run of numbers: runOfNumbers fills the list
  let count = 0;
  for (let at = w + Layout.RECORD_WORDS; at < end && count <= MAX_SIZED_LIST; at += Layout.RECORD_WORDS, count++) {
    const kind = tape[at] & 0xff;
    if (kind === Op.APPENDS) return count;
    if (!ONE_VALUE[kind]) return 0;
  }
  return 0;
}

/**
 * A list of `size` empty slots. The smallest are array literals: V8
 * pretenures the arrays of a literal that survive (a load's lists do), so
 * they are made in the old generation, where `new Array(size)` is always
 * made young and then copied by the scavenger, once or twice.
 */
function listOfSize(size: number): unknown[] {
  switch (size) {
    case 1: return [undefined];
    case 2: return [undefined, undefined];
    case 3: return [undefined, undefined, undefined];
    case 4: return [undefined, undefined, undefined, undefined];
    default: return new Array(size);
  }
}

/**
 * The number of the NUMBER or INT64 record at word `word` of the tape: its
 * f64, or an INT64's bigint. The caller takes memory's views once for a run
 * of them: read from memory's fields for each number, they cost ~14
 * instructions more (1M ints: ~91 a number in the run's loops, not ~77).
 */
function numberAt(u32: Uint32Array, f64: Float64Array, i64: BigInt64Array, word: number): number | bigint {
  const at = (word >>> 1) + 1;
  return (u32[word] & 0xff) === Rec.INT64 ? i64[at] : f64[at];
}

/**
 * Stores the `count` numbers of the run after the MARK at `mark` into
 * `target` from index `at`. Without int64s, straight from one view of the
 * tape, not through numberAt's test of each record, four a step: TurboFan
 * then checks the list's map and the view's fields once for four (1M
 * floats: ~30 instructions a number, 44 one at a time).
 */
function storeRun(views: TapeViews, target: unknown[], at: number, mark: number, count: number, withInt64: boolean): void {
  if (withInt64) {
    const { u32, f64, i64 } = views;
    const end = at + count;
    for (let i = at, word = mark + Layout.RECORD_WORDS; i < end; i++, word += Layout.RECORD_WORDS) target[i] = numberAt(u32, f64, i64, word);
    return;
  }
  const f64 = views.f64;
  let from = firstNumber(mark);
  const end = at + count;
  let i = at;
  for (; i + 4 <= end; i += 4, from += 8) {
    target[i] = f64[from];
    target[i + 1] = f64[from + 2];
    target[i + 2] = f64[from + 4];
    target[i + 3] = f64[from + 6];
  }
  for (; i < end; i++, from += 2) target[i] = f64[from];
}

/**
 * NUMBER_LISTS[n](f64, first): the array of the n numbers at f64[first],
 * f64[first + 2], …, made by an array literal: TurboFan allocates it at its
 * size inline, of the elements kind its site has seen, where `new Array(n)`
 * is a call and each store then checks the kind (the list of lists: 147.6k
 * -> 119.2k instructions a load; TUPLE: 5.3k -> 4.9k).
 */
const LITERAL_RUN_MAX = 32;
const NUMBER_LISTS = compileBySize<(f64: Float64Array, first: number) => number[]>(LITERAL_RUN_MAX, ['f', 'o'], (items) => `[${items}]`, (i) => `f[o + ${2 * i}]`);

/** A new array of the `count` numbers of the run after the MARK at `mark`, which holds no int64s. */
function numberList(views: TapeViews, mark: number, count: number): number[] {
  if (NUMBER_LISTS !== null && count <= LITERAL_RUN_MAX) return NUMBER_LISTS[count](views.f64, firstNumber(mark));
  const list: number[] = new Array(count);
  storeRun(views, list, 0, mark, count, false);
  return list;
}

/** Pushes the `count` numbers of the run after the MARK at `mark` onto `target` (see storeRun). */
function pushRun(views: TapeViews, target: unknown[], mark: number, count: number, withInt64: boolean): void {
  if (withInt64) {
    const { u32, f64, i64 } = views;
    for (let i = 0, word = mark + Layout.RECORD_WORDS; i < count; i++, word += Layout.RECORD_WORDS) target.push(numberAt(u32, f64, i64, word));
    return;
  }
  const f64 = views.f64;
  const first = firstNumber(mark);
  for (let i = 0; i < count; i++) target.push(f64[first + 2 * i]);
}

/** Index in a TapeViews' f64 of the first number of the run after the MARK record at word `mark` (each next one 2 further: a record is two f64s). */
function firstNumber(mark: number): number {
  return ((mark + Layout.RECORD_WORDS) >>> 1) + 1;
}

/**
 * V8 (Node 20) turns an object that is given this many properties one by one,
 * by computed keys, into a dictionary: every later Object.keys, for-in and
 * property read of it is a hash lookup (a 20-key dict dumps 5% slower, its
 * for-in takes 18x as long). A copy by spread is a fast object again, and
 * cheap to make: so is a fresh dict of this many str keys once filled.
 */
const SLOW_MODE_KEYS = 20;

/**
 * Pops the stack to `length`, item by item for up to a dict's worth of them:
 * setting an array's length is a runtime call, and it may shrink the array's
 * store, which the next batch then grows again (bm_pickle DICT_GROUP, three
 * SETITEMS of 44 items, loads 0.95-0.98 of before with 64 here than with 32).
 */
function truncate(stack: unknown[], length: number): void {
  if (stack.length - length > 64) stack.length = length;
  else while (stack.length > length) stack.pop();
}

/** A list the scan saw a run of numbers go into: its own allocation site, so V8 keeps it unboxed (PACKED_DOUBLE). */
function newNumberList(): number[] {
  return [];
}

function normalizeInt(value: bigint): number | bigint {
  return value >= -0x1fffffffffffffn && value <= 0x1fffffffffffffn ? Number(value) : value;
}

/** A little-endian two's complement int (LONG1 / LONG4 of more than 8 bytes). */
function intFromBytes(bytes: Uint8Array): number | bigint {
  let hex = '';
  for (let i = bytes.length - 1; i >= 0; i--) hex += bytes[i].toString(16).padStart(2, '0');
  let value = BigInt('0x' + hex);
  if (bytes[bytes.length - 1] & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return normalizeInt(value);
}

export class Unpickler {
  protected readonly options: LoadOptions;
  protected readonly registry: Registry;
  private readonly maxDepth: number;
  private readonly maxMemo: number;

  // State of the load in progress.
  private data: Uint8Array = EMPTY;
  /** Where the pickle starts in `data`, and whether it is all of `data` (see pickleEnd). */
  private startOffset = 0;
  private wholeInput = false;
  private stack: unknown[] = [];
  private marks: number[] = [];
  /** Stack length at the innermost MARK: nothing below it may be popped. */
  private fence = 0;
  private memo: unknown[] = [];
  private memoCount = 0;
  /** Bitmap of the memo indices the pickle GETs, when a pass before the scan found them, or none when the scan met no GET by STOP (see memoPut); else null. */
  private referenced: Uint8Array | null = null;
  /** The index after the last PUT replayed (MemoFlag.PUT_NEXT), as the scanner counts. */
  private nextPut = 0;
  private proto = 0;
  private buffers: Iterator<unknown> | null = null;
  /** A replay has begun and not reached the end of its tape (an error left it): see ScanSession.release. */
  private replaying = false;
  /** The record being replayed, as its word index in wasm memory, for error locations (-1: none). */
  private record = -1;
  private result: unknown = undefined;
  /** Dicts that became Maps when a non-str key arrived, and whether some old reference may remain. */
  private converted: Map<object, Map<unknown, unknown>> | null = null;
  private convertedEscaped = false;
  private plainDictShared = false;
  /** Python's key order of plain-object dicts whose JS order differs (see setProperty). */
  private keyOrders: WeakMap<object, string[]> | null = null;
  /**
   * The last empty plain-object dict made, while nothing but the stack and one
   * memo slot (freshDictMemo, or -1) holds it: its first SETITEMS may replace
   * it by an object made whole from a compiled key order (dictShapes.ts).
   */
  private freshDict: object | null = null;
  private freshDictMemo = -1;
  /**
   * A fresh dict that was replaced (fillFresh) while still empty: nothing
   * holds it any more, so the next EMPTY_DICT takes it, not a new object
   * (100k records: 5.6 MB a load not allocated, one young object a dict).
   */
  private spareDict: object | null = null;
  /**
   * A list being filled with room to spare (see reserve): its
   * length runs ahead of its items, which number `filled`; settle() trims it.
   */
  private growing: unknown[] | null = null;
  private filled = 0;
  /** Its batches, while they are kept apart from it (see keepBatch). */
  private batches: unknown[][] | null = null;
  /** The input offset where its last batch ended, and whether it has been sized for the rest of the pickle (see reserve). */
  private batchEnd = 0;
  private sized = false;
  /**
   * A list made at the size of the items the tape shows will fill it (see
   * itemsFillingList), until its APPEND or APPENDS puts them in by index. A
   * list that starts empty gets room for 17 items at its first push: 152
   * bytes, where the tags lists of 100k records hold one or two.
   */
  private sizedList: unknown[] | null = null;
  /** The key orders the scanner gave ids (see KeyOrders in tape.ts): the keys of the first body of each, and the function making its dicts. */
  private foldedOrders: FoldedOrder[] = [];

  constructor(options: LoadOptions = {}) {
    this.options = options;
    this.registry = options.registry ?? defaultRegistry;
    this.maxDepth = options.maxDepth ?? 100_000;
    this.maxMemo = options.maxMemo ?? 1 << 24;
    // One iterator for the Unpickler's life: successive pickles take successive buffers, as in Python.
    this.buffers = options.buffers ? options.buffers[Symbol.iterator]() : null;
  }

  /** Where the last pickle read ended: the offset just past its STOP (as a file's position after Python's load). */
  position = 0;
  private session: ScanSession | null = null;

  /** Reads one pickle from `data` at `offset` (default 0) and returns its value; `position` says where it ended. */
  load(data: Uint8Array | ArrayBuffer | ArrayBufferView, offset = 0): unknown {
    return this.read(toBytes(data), offset, false);
  }

  /** @internal loads(): the only load of an Unpickler dropped after it, whose state needs no fresh arrays (stop()). */
  loadOnce(data: Uint8Array | ArrayBuffer | ArrayBufferView): unknown {
    return this.read(toBytes(data), 0, true);
  }

  private read(data: Uint8Array, offset: number, last: boolean): unknown {
    this.start(data, offset, true, last);
    try {
      this.advance();
      return this.finish();
    } catch (error) {
      throw this.locate(error);
    } finally {
      this.stop(last);
    }
  }

  /**
   * @internal Starts reading a pickle from `data` at `offset`; `final`: no
   * more input will follow; `whole`: the pickle is all of it (loads()).
   */
  start(data: Uint8Array, offset: number, final: boolean, whole = false): void {
    if (this.session !== null) {
      throw new UnpicklingError('this Unpickler is already loading (a load from inside one of its own callbacks?): use another Unpickler');
    }
    this.session = (whole && remoteSession(data, offset)) || ScanSession.acquire();
    beginLoad();
    this.data = data; // the rest of the state is fresh: from construction, or from the last stop()
    this.startOffset = offset;
    this.wholeInput = whole;
    if (final && data.length - offset >= MEMO_PASS_MIN) this.referenced = this.session.referencedMemo(data, offset);
    this.session.begin(data, offset, final);
  }

  /** @internal More input for the pickle being read: `data` holds what it held and more. */
  feed(data: Uint8Array, final: boolean): void {
    this.data = data;
    this.session!.setInput(data, final);
  }

  /** @internal Reads on: true when the pickle is complete, false when it needs more input (never with final input). */
  advance(): boolean {
    const session = this.session!;
    for (;;) {
      const status = session.next();
      // a pickle without GET (the scan has seen all of it by STOP): its memo stores are counted, not kept
      if (status === Status.STOPPED && this.referenced === null && session.readsNoMemo()) this.referenced = NO_REFERENCES;
      const count = session.field(Field.TAPE_LEN);
      if (count > 0 && this.replayAll(session, count)) {
        this.position = session.position;
        return true;
      }
      if (status === Status.ERROR) throw session.error();
      if (status === Status.NEED_INPUT) return false;
    }
  }

  /** @internal Ends the load, successful or not, and frees its session; `last`: the Unpickler is dropped next (nothing to reset). */
  stop(last = false): void {
    this.settle(); // a failed load may leave a list with room to spare where a hook kept it
    this.session?.release(!this.replaying);
    this.session = null;
    if (!last) this.reset();
  }

  /**
   * Resolves a global (GLOBAL, STACK_GLOBAL, INST, EXT) through the registry.
   * Override it to restrict or extend what a pickle may reach, as Python's
   * Unpickler.find_class.
   */
  findClass(module: string, qualname: string): unknown {
    const value = this.registry.lookup(module, qualname);
    if (value !== undefined) return value;
    if (this.options.unknownGlobals === 'stub') return new PyObject(module, qualname);
    throw new UnpicklingError(
      `${module}.${qualname} is not registered: register it with registry.register('${module}', '${qualname}', value), ` +
        `or load with { unknownGlobals: 'stub' }`,
    );
  }

  /** Resolves a persistent id (PERSID, BINPERSID); override it or pass `persistentLoad`. */
  persistentLoad(pid: unknown): unknown {
    if (this.options.persistentLoad) return this.options.persistentLoad(pid);
    throw new UnpicklingError('a persistent id was found, but no persistentLoad was given');
  }

  /** Drops everything the last load held: a finished load keeps nothing reachable. */
  private reset(): void {
    this.data = EMPTY;
    this.stack = [];
    this.marks = [];
    this.fence = 0;
    this.memo = [];
    this.memoCount = 0;
    this.referenced = null;
    this.nextPut = 0;
    this.proto = 0;
    this.record = -1;
    this.replaying = false;
    this.result = undefined;
    this.converted = null;
    this.convertedEscaped = false;
    this.plainDictShared = false;
    this.keyOrders = null;
    this.growing = null;
    this.batches = null;
    this.sizedList = null;
    this.freshDict = null;
    this.spareDict = null;
    this.foldedOrders = [];
  }

  /** @internal The value of the pickle just completed. */
  finish(): unknown {
    const result = this.result;
    if (this.converted !== null && this.convertedEscaped) return replaceConverted(result, this.converted);
    return result;
  }

  /** @internal Gives an error the location of the record being replayed; wraps errors that are not UnpicklingErrors. */
  locate(error: unknown): unknown {
    if (this.record < 0) return error;
    const offset = this.session!.views.u32[this.record + 1];
    const location = { opcode: opcodeName(this.data[offset]), offset };
    if (error instanceof UnpicklingError) return error.locate(location);
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new UnpicklingError(reason, location, { cause: error });
  }

  /**
   * A number onto the stack, an int32 (but -0.0) as an int: V8 then keeps it
   * unboxed (a Smi), in the stack and in the fields of the dicts made from
   * it, where a double field boxes its value anew at each read (each dump).
   */
  private pushNumber(value: number): void {
    const int = value | 0;
    if (int === value && (int !== 0 || 1 / value > 0)) this.stack.push(int);
    else this.stack.push(value);
  }

  /**
   * Replays the `count` records on the session's tape; true when STOP was among them.
   * It notes the record it is at (`this.record`, read by APPENDS and by error locations)
   * there and when it stops, not at each record: the loop's own work is ~62 instructions
   * a record (`bench/instructions.mjs --annotate=replay`).
   */
  private replay(session: ScanSession, count: number): boolean {
    const views = session.views;
    let { u32: tape, f64, i64 } = views;
    const end = session.tapeWord + count * Layout.RECORD_WORDS;
    let w = session.tapeWord;
    try {
      for (; w < end; w = (w + Layout.RECORD_WORDS) | 0) {
        let head = tape[w];
        if (head === undefined) {
          // Growing wasm memory (user code did: a load or dump of its own) detached the views; the records are where they were.
          memory.refresh();
          ({ u32: tape, f64, i64 } = views);
          head = tape[w];
        }
        const a = tape[(w + 2) | 0];
        const b = tape[(w + 3) | 0];
        const kind = head & 0xff;
        if (this.growing !== null && !BLIND_TO_GROWING[kind]) this.settle();
        switch (kind) {
          case Rec.NUMBER: this.pushNumber(f64[(w >>> 1) + 1]); break;
          case Rec.INT64: this.stack.push(i64[(w >>> 1) + 1]); break;
          case Rec.BIGINT_BYTES: this.stack.push(intFromBytes(this.data.subarray(a, a + b))); break;
          case Rec.BIGINT_TEXT: this.stack.push(intFromText(latin1String(this.data, a, a + b))); break;
          case Rec.FLOAT_TEXT: this.stack.push(Number(latin1String(this.data, a, a + b))); break;
          case Rec.TRUE: case Op.NEWTRUE: this.stack.push(true); break;
          case Rec.FALSE: case Op.NEWFALSE: this.stack.push(false); break;
          case Op.NONE: this.stack.push(null); break;
          case Rec.STR:
            if (b >= ENCODED_ONLY_MIN && this.onlyEncodedToLatin1(w, end, head)) this.stack.push(this.latin1Str(a, b, head));
            else this.stack.push(strOfRecord(session.strings, this.data, a, a + b, head >>> Layout.FLAGS_SHIFT));
            break;
          case Rec.STR_UNITS: this.stack.push(unitsString(views.u16, a, b)); break;
          case Rec.PY2STR: this.stack.push(this.python2String(this.data.subarray(a, a + b), head >>> Layout.FLAGS_SHIFT)); break;
          case Rec.PY2STR_QUOTED: this.loadQuotedString(a, b); break;
          case Rec.UNICODE_RAW: this.stack.push(rawUnicodeEscapeDecode(this.data, a, a + b)); break;
          case Rec.BYTES: this.stack.push(this.bytesAt(a, b)); break;
          case Rec.BYTEARRAY: this.stack.push(new ByteArray(this.data.subarray(a, a + b))); break;
          case Op.EMPTY_LIST:
            if (head & (RunFlag.FILLED_BY_RUN << Layout.FLAGS_SHIFT)) w += this.loadNumberList(views, w) * Layout.RECORD_WORDS;
            else this.stack.push(this.newList(tape, w + Layout.RECORD_WORDS, end));
            break;
          case Op.EMPTY_TUPLE: this.stack.push(asTuple([])); break;
          case Op.EMPTY_DICT:
            if (head & (RunFlag.FILLED_BY_RUN << Layout.FLAGS_SHIFT)) w += this.loadNumberMap(views, w) * Layout.RECORD_WORDS;
            else this.stack.push(this.newDict());
            break;
          case Op.EMPTY_SET: this.stack.push(new Set()); break;
          case Op.MARK:
            if (head & (RunFlag.NUMBERS << Layout.FLAGS_SHIFT) && this.runOfNumbers(views, w, b, head)) {
              w += (b + 1) * Layout.RECORD_WORDS; // the numbers and the APPENDS or TUPLE after them
              if (tape[w] & ((MemoFlag.MEMOIZED | MemoFlag.PUT_NEXT) << Layout.FLAGS_SHIFT)) this.memoizeFolded(tape[w]);
            }
            else this.loadMark();
            break;
          case Op.LIST: this.stack.push(this.popMark()); break;
          case Op.TUPLE: this.stack.push(asTuple(this.popMark())); break;
          case Op.TUPLE1: this.loadTuple(1); break;
          case Op.TUPLE2: this.loadTuple(2); break;
          case Op.TUPLE3: this.loadTuple(3); break;
          case Op.DICT: this.stack.push(this.makeDict(this.popMark())); break;
          case Op.FROZENSET: this.stack.push(new FrozenSet(this.popMark())); break;
          case Op.APPEND: this.loadAppend(); break;
          case Op.APPENDS: this.record = w; this.loadAppends(); break;
          case Op.SETITEM: this.loadSetItem(); break;
          case Op.SETITEMS: this.loadSetItems(a); break;
          case Rec.DICT_VALUES: this.loadDictValues(a, b); break;
          case Op.ADDITEMS: this.loadAddItems(); break;
          case Op.POP: this.loadPop(); break;
          case Op.POP_MARK: this.popMark(); break;
          case Op.DUP: this.stack.push(this.share(this.top())); break;
          case Rec.GET: this.stack.push(this.memoGet(a)); break;
          case Rec.PUT: this.memoPut(a); this.nextPut = (a + 1) >>> 0; break;
          case Op.MEMOIZE: this.memoPut(this.memoCount); break;
          case Op.GLOBAL: this.stack.push(this.resolveNamed(a, b)); break;
          case Op.STACK_GLOBAL: this.loadStackGlobal(); break;
          case Rec.EXT: this.loadExtension(a | 0); break;
          case Op.REDUCE: this.loadReduce(); break;
          case Op.BUILD: this.loadBuild(); break;
          case Op.INST: this.loadInst(a, b); break;
          case Op.OBJ: this.loadObj(); break;
          case Op.NEWOBJ: this.loadNewObj(false); break;
          case Op.NEWOBJ_EX: this.loadNewObj(true); break;
          case Op.PERSID: this.loadPersid(a, b); break;
          case Op.BINPERSID: this.stack.push(this.persistentLoad(this.pop())); break;
          case Op.NEXT_BUFFER: this.stack.push(this.nextBuffer()); break;
          case Op.READONLY_BUFFER: this.top(); break;
          case Op.PROTO: this.proto = a; break;
          case Op.STOP: this.result = this.pop(); this.record = w; return true; // (the scan stops at STOP: the last record)
          default: throw new UnpicklingError(`unexpected record kind ${head & 0xff}`);
        }
        if (head & ((MemoFlag.MEMOIZED | MemoFlag.PUT_NEXT) << Layout.FLAGS_SHIFT)) this.memoizeFolded(head);
      }
    } catch (error) {
      this.record = w;
      throw error;
    }
    this.record = end - Layout.RECORD_WORDS;
    return false;
  }

  /** replay(), noting while it runs: a load it leaves by an error has records scanned but not replayed. */
  private replayAll(session: ScanSession, count: number): boolean {
    this.replaying = true;
    const stopped = this.replay(session, count);
    this.replaying = false;
    return stopped;
  }

  // --- the stack ---

  private underflow(): never {
    throw new UnpicklingError(this.marks.length > 0 ? 'unpickling stack underflow (below the MARK)' : 'unpickling stack underflow');
  }

  private pop(): unknown {
    if (this.stack.length <= this.fence) this.underflow();
    return this.stack.pop();
  }

  private top(): unknown {
    if (this.stack.length <= this.fence) this.underflow();
    return this.stack[this.stack.length - 1];
  }

  private tooDeep(): never {
    throw new UnpicklingError(`more than maxDepth (${this.maxDepth}) MARKs open`);
  }

  private loadMark(): void {
    if (this.marks.length >= this.maxDepth) this.tooDeep();
    this.fence = this.stack.length;
    this.marks.push(this.fence);
  }

  /** Removes the innermost MARK and returns where its items start on the stack (they stay there). */
  private popMarkIndex(): number {
    const mark = this.marks.pop();
    if (mark === undefined) throw new UnpicklingError('could not find MARK');
    this.fence = this.marks.length > 0 ? this.marks[this.marks.length - 1] : 0;
    return mark;
  }

  /** The items above the innermost MARK, which is removed. */
  private popMark(): unknown[] {
    return this.stack.splice(this.popMarkIndex());
  }

  /** POP removes the top item, or the innermost MARK if nothing is above it (as CPython's C unpickler). */
  private loadPop(): void {
    if (this.marks.length > 0 && this.fence === this.stack.length) this.popMark();
    else this.pop();
  }

  /** TUPLE1, TUPLE2, TUPLE3: the top `size` items, made into a tuple by an array literal (splice costs twice as much). */
  private loadTuple(size: 1 | 2 | 3): void {
    const stack = this.stack;
    const first = stack.length - size;
    if (first < this.fence) this.underflow();
    const items = size === 1 ? [stack[first]] : size === 2 ? [stack[first], stack[first + 1]] : [stack[first], stack[first + 1], stack[first + 2]];
    stack[first] = asTuple(items);
    for (let i = 1; i < size; i++) stack.pop();
  }

  // --- the memo ---

  private memoGet(index: number): unknown {
    const value = this.memo[index];
    if (typeof value !== 'object') { // a str (most GETs: dict keys), a number, a class: nothing to track
      if (value === undefined) throw new UnpicklingError(`memo value not found at index ${index}`);
      return value;
    }
    const current = this.converted?.get(value as object) ?? value;
    return this.share(current);
  }

  /** The memo store folded into a record (MemoFlag): MEMOIZE's, or a PUT at the index after the last PUT's. */
  private memoizeFolded(head: number): void {
    if (head & (MemoFlag.MEMOIZED << Layout.FLAGS_SHIFT)) return this.memoPut(this.memoCount);
    this.memoPut(this.nextPut);
    this.nextPut = (this.nextPut + 1) >>> 0; // the scanner's u32 counter wraps the same way
  }

  private memoPut(index: number): void {
    const value = this.top();
    if (this.referenced !== null && !isMarked(this.referenced, index)) {
      // no GET names it: counted, not kept (the pass found every store at its index in order)
      if (++this.memoCount > this.maxMemo) throw new UnpicklingError(`more than maxMemo (${this.maxMemo}) memo entries`);
      return;
    }
    // (typeof first: TurboFan then compares two objects' pointers, not any two values through the StrictEqual builtin)
    if (typeof value === 'object' && value === this.freshDict) {
      if (this.freshDictMemo >= 0) this.freshDict = null; // a second memo slot: no longer replaceable
      else this.freshDictMemo = index;
    }
    const memo = this.memo;
    if (memo[index] === undefined && ++this.memoCount > this.maxMemo) {
      throw new UnpicklingError(`more than maxMemo (${this.maxMemo}) memo entries`);
    }
    // Doubling ahead of the stores: V8 would grow it by half, copying more often (5% of loading 200k strs).
    if (index === memo.length && index >= 1024) memo.length = 2 * index;
    memo[index] = value;
  }

  /** Notes when a plain-object dict is referenced twice (it might later have to become a Map). */
  private share<T>(value: T): T {
    if (value === this.freshDict) this.freshDict = null;
    if (!this.plainDictShared && this.options.dicts !== 'map' && isPlainObject(value)) this.plainDictShared = true;
    return value;
  }

  // --- lists, dicts, sets ---

  /** EMPTY_LIST's list, its records after it starting at word `w` (see sizedList). */
  private newList(tape: Uint32Array, w: number, end: number): unknown[] {
    const size = itemsFillingList(tape, w, end);
    if (size === 0) return [];
    const list = listOfSize(size);
    this.sizedList = list;
    return list;
  }

  private loadAppend(): void {
    const value = this.pop();
    const target = this.top();
    if (target === this.sizedList) {
      this.sizedList = null;
      (target as unknown[])[0] = value;
    } else if (Array.isArray(target) && !isTuple(target)) {
      target.push(value);
    } else {
      this.appendItems([value]);
    }
  }

  /**
   * MARK, `count` NUMBER records, then APPENDS, TUPLE or SETITEMS (flagged by
   * the scan): the numbers go from the tape straight into the list or dict on
   * top of the stack, or into a new tuple. False (and nothing done) when the
   * MARK would be one too deep, or the target is not a plain list (APPENDS),
   * a Map or a fresh dict (SETITEMS): the records replay as usual.
   */
  private runOfNumbers(views: TapeViews, mark: number, count: number, head: number): boolean {
    if (this.marks.length >= this.maxDepth) return false;
    const withInt64 = (head & (RunFlag.WITH_INT64 << Layout.FLAGS_SHIFT)) !== 0;
    if (head & (RunFlag.TUPLE << Layout.FLAGS_SHIFT)) {
      this.stack.push(this.numbersTuple(views, mark, count, withInt64));
      return true;
    }
    if (head & (RunFlag.SETITEMS << Layout.FLAGS_SHIFT)) return this.setNumbers(views, mark, count);
    return this.appendNumbers(views, mark, count, withInt64);
  }

  /** The numbers of a run go into the dict on top of the stack, as keys and values; false when it is not a Map or a fresh dict. */
  private setNumbers(views: TapeViews, mark: number, count: number): boolean {
    const target = this.stack.length - 1;
    if (target < this.fence || count % 2 !== 0) return false;
    let dict = this.stack[target];
    if (dict === this.freshDict) {
      dict = new Map();
      this.replaceFresh(target, dict as Map<unknown, unknown>);
    } else if (!(dict instanceof Map)) {
      return false;
    }
    const { u32, f64, i64 } = views;
    for (let i = 0, word = mark + Layout.RECORD_WORDS; i < count; i += 2, word += 2 * Layout.RECORD_WORDS) {
      (dict as Map<unknown, unknown>).set(numberAt(u32, f64, i64, word), numberAt(u32, f64, i64, word + Layout.RECORD_WORDS));
    }
    return true;
  }

  /** The tuple of the `count` numbers after the MARK at `mark`. */
  private numbersTuple(views: TapeViews, mark: number, count: number, withInt64: boolean): Tuple {
    // (asTuple: `new Tuple(count)`, inlined into replay(), also made V8 abort replay's optimization on
    // every compile (a StableMapDependency changed): a top-level tuple of 20 small ints loaded in 5 µs, not
    // 1.1. V8's array protectors stay intact, checked with --allow-natives-syntax.)
    if (!withInt64) return asTuple(numberList(views, mark, count));
    const tuple: unknown[] = new Array(count);
    storeRun(views, tuple, 0, mark, count, true);
    return asTuple(tuple);
  }

  /**
   * The count of the run of numbers whose MARK is the record after the
   * EMPTY_LIST or EMPTY_DICT at word `w` (flagged FILLED_BY_RUN), or -1: a
   * PUT record comes first, or that MARK would be one too deep (it then
   * replays as any, to fail). The scan flags the container only when the run
   * is in this tape chunk, and a MARK right after it is that run's.
   */
  private runAfter(tape: Uint32Array, w: number): number {
    const mark = w + Layout.RECORD_WORDS;
    if ((tape[mark] & 0xff) !== Op.MARK || this.marks.length >= this.maxDepth) return -1;
    return tape[mark + 3];
  }

  /**
   * An EMPTY_LIST flagged FILLED_BY_RUN: with a short run after it, made
   * with the numbers (numberList; 10 pushes cost ~twice as much as `new
   * Array(10)` and 10 stores); else empty (a long run starts it growing: see
   * reserve). Returns the records it took after the EMPTY_LIST: the MARK,
   * the numbers and the APPENDS, or none.
   */
  private loadNumberList(views: TapeViews, w: number): number {
    const count = this.runAfter(views.u32, w);
    if (count < 0 || count >= MIN_GROWN_RUN) {
      this.stack.push(newNumberList());
      return 0;
    }
    this.stack.push(numberList(views, w + Layout.RECORD_WORDS, count));
    return count + 2;
  }

  /**
   * An EMPTY_DICT flagged FILLED_BY_RUN: made as the Map it would become
   * (its keys are numbers) with the run's keys and values, not as a plain
   * object replaced at its SETITEMS; with an odd count, as any (to fail
   * there). Returns the records it took after the EMPTY_DICT, as
   * loadNumberList.
   */
  private loadNumberMap(views: TapeViews, w: number): number {
    const count = this.runAfter(views.u32, w);
    if (count < 0 || count % 2 !== 0) {
      this.stack.push(this.newDict());
      return 0;
    }
    const f64 = views.f64;
    const first = firstNumber(w + Layout.RECORD_WORDS);
    const map = new Map<number, number>();
    for (let i = 0; i < count; i += 2) map.set(f64[first + 2 * i], f64[first + 2 * i + 2]);
    this.stack.push(map);
    return count + 2;
  }

  /** The numbers of a run go into the list on top of the stack; false when it is not a plain list. */
  private appendNumbers(views: TapeViews, mark: number, count: number, withInt64: boolean): boolean {
    const target = this.stack.length > this.fence ? this.stack[this.stack.length - 1] : undefined;
    if (!Array.isArray(target) || isTuple(target)) return false;
    const at = this.reserve(target, count, views.u32[mark + Layout.RECORD_WORDS * (count + 1) + 1], !withInt64); // (its APPENDS' offset)
    if (at >= 0) storeRun(views, target, at, mark, count, withInt64);
    else pushRun(views, target, mark, count, withInt64);
    return true;
  }

  /**
   * Where `count` items go in a list that APPENDS (or a run of numbers) is
   * filling, or -1: push them. Pushing 1M doubles costs twice what storing
   * them does into a list whose length doubles ahead of them, and pushing 1M
   * ints of which some are bigints three times (V8 reallocates and the
   * garbage collector copies less often), so a list that starts empty grows
   * that way while only records blind to it follow (BLIND_TO_GROWING; the
   * replay settles it before any other). One settled is never grown again,
   * so no input can make the copying quadratic. Only a list whose first batch
   * is long (pickle writes 1000 a batch) grows so: setting a length is a
   * runtime call, which small lists would pay for nothing.
   *
   * A list of doubles is sized at its second batch (ending at input offset
   * `batchEnd`, of numbers that load `unboxed`) for the rest of the pickle
   * at that batch's bytes per item (see expectedItems): grown by doubling, a list touches
   * about three times the memory it ends with, and fresh pages are what
   * large loads spend most on on this project's machines (1M floats: 53 ->
   * 30 ms). Not a list of references: V8 then promotes the one large array
   * early, and every young item stored in it costs the scavenger (200k strs
   * loaded 1.8x slower); keepBatch keeps their batches apart instead.
   */
  private reserve(list: unknown[], count: number, batchEnd: number, unboxed: boolean): number {
    if (this.growing === list && this.batches !== null) {
      this.settle(); // numbers after kept batches: the list grows by push from here
      return -1;
    }
    if (this.growing !== list) {
      if (!this.startGrowing(list, count, null)) return -1;
    } else if (!this.sized && unboxed) {
      this.sized = true;
      const expected = this.expectedItems(count, batchEnd);
      if (expected > list.length) list.length = expected;
    }
    const at = this.filled;
    if (at + count > list.length) list.length = Math.max(2 * list.length, at + count);
    this.filled = at + count;
    this.batchEnd = batchEnd;
    return at;
  }

  /**
   * How many items the list being filled will end with if the rest of the
   * pickle is more of the same: its bytes after the batch of `count` items
   * that ends at `batchEnd`, at that batch's bytes per item (from the last
   * batch's end), and a sixteenth more, within MAX_SIZING_FACTOR: too many
   * cost a trim at settle(), too few the doubling after. 0 where the
   * pickle's end is unknown.
   */
  private expectedItems(count: number, batchEnd: number): number {
    const end = this.pickleEnd();
    if (end < 0 || batchEnd <= this.batchEnd) return 0;
    const rest = Math.max(0, end - batchEnd);
    const items = this.filled + count;
    return Math.min(items + Math.ceil(((rest * count) / (batchEnd - this.batchEnd)) * (17 / 16)), items * MAX_SIZING_FACTOR, MAX_SIZED);
  }

  /**
   * Where the pickle being read ends, at most, or -1 where that is unknown: the
   * end of its chain of frames (protocol 4+), else the end of the input
   * when it is the one pickle of loads().
   */
  private pickleEnd(): number {
    const data = this.data;
    let at = this.startOffset + 2; // past PROTO
    if (data[this.startOffset] !== Op.PROTO || data[at] !== Op.FRAME) return this.wholeInput ? data.length : -1;
    while (at + 9 <= data.length && data[at] === Op.FRAME) {
      const view = new DataView(data.buffer, data.byteOffset + at + 1, 8);
      at += 9 + view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
    }
    return Math.min(at, data.length);
  }

  /**
   * APPENDS into a list that starts empty with a long batch, or whose batches
   * are being kept: the batch's items are taken off the stack as an array of
   * their own and kept, and settle() puts them all in at once, into a list
   * sized once. A list of references filled by doubling allocates a large
   * array at every step, in fresh pages; sized at its first batch instead,
   * it is promoted while its items are young, which costs the scavenger more
   * (see reserve). False when the list is not one of these.
   */
  private keepBatch(list: unknown[], mark: number): boolean {
    const count = this.stack.length - mark;
    if (this.growing !== list && !this.startGrowing(list, count, [])) return false;
    const batches = this.batches;
    if (batches === null) return false; // a list of numbers, growing with room to spare (reserve)
    batches.push(this.stack.splice(mark));
    this.filled += count;
    return true;
  }

  /** Makes `list` the one being filled, if it is empty and its first batch (of `count` items) long; `batches`: see keepBatch. */
  private startGrowing(list: unknown[], count: number, batches: unknown[][] | null): boolean {
    if (list.length > 0 || count < MIN_GROWN_RUN) return false;
    this.settle();
    this.growing = list;
    this.filled = 0;
    this.sized = false;
    this.batches = batches;
    return true;
  }

  /** Trims the list being filled to its items, or puts its kept batches in. */
  private settle(): void {
    const list = this.growing;
    if (list === null) return;
    this.growing = null;
    const batches = this.batches;
    if (batches !== null) {
      this.batches = null;
      list.length = this.filled; // (it was empty: nothing else reaches it while its batches are kept)
      let at = 0;
      for (const batch of batches) for (let i = 0; i < batch.length; i++) list[at++] = batch[i];
    } else if (list.length !== this.filled) {
      list.length = this.filled;
    }
  }

  /** APPENDS: moves the items above the MARK straight into a list, or hands them to appendItems. */
  private loadAppends(): void {
    const mark = this.popMarkIndex();
    if (mark <= this.fence) this.underflow();
    const stack = this.stack;
    const target = stack[mark - 1];
    if (Array.isArray(target) && !isTuple(target)) {
      let at = 0;
      if (target === this.sizedList) this.sizedList = null;
      else if (this.keepBatch(target, mark)) return;
      else at = this.reserve(target, stack.length - mark, this.session!.views.u32[this.record + 1], false);
      if (at < 0) for (let i = mark; i < stack.length; i++) target.push(stack[i]);
      else for (let i = mark; i < stack.length; i++) target[at + i - mark] = stack[i];
      truncate(stack, mark);
    } else {
      this.appendItems(stack.splice(mark));
    }
  }

  private appendItems(items: unknown[]): void {
    const target = this.top();
    if (Array.isArray(target) && !isTuple(target)) {
      for (let i = 0; i < items.length; i++) target.push(items[i]);
    } else if (target instanceof PyObject) {
      const list = (target.listItems ??= []);
      for (let i = 0; i < items.length; i++) list.push(items[i]);
    } else if (typeof (target as { extend?: unknown })?.extend === 'function') {
      (target as { extend(items: unknown[]): void }).extend(items);
    } else {
      throw new UnpicklingError(`cannot append to ${typeName(target)}`);
    }
  }

  /** An empty dict: a Map, or a plain object that stays fresh (see freshDict) until something else can see it. */
  private newDict(): object {
    if (this.options.dicts === 'map') return new Map();
    const dict = this.spareDict ?? {};
    this.spareDict = null;
    this.freshDict = dict;
    this.freshDictMemo = -1;
    return dict;
  }

  private makeDict(items: unknown[]): object {
    this.stack.push(this.newDict());
    this.setItems(this.stack.length - 1, items, 0, items.length);
    return this.stack.pop() as object;
  }

  private loadSetItem(): void {
    const top = this.stack.length;
    if (top - 3 < this.fence) this.underflow();
    this.setItems(top - 3, this.stack, top - 2, top);
    truncate(this.stack, top - 2);
  }

  /**
   * SETITEMS: the pairs above the MARK go straight from the stack into the
   * dict below it. `order`: 0, or the id + 1 the scanner gave the body's key
   * order (its keys are GETs, whose indices no store binds again): kept for
   * the folded bodies of that order that follow (loadDictValues).
   */
  private loadSetItems(order: number): void {
    const mark = this.popMarkIndex();
    if (mark <= this.fence) this.underflow();
    if (order !== 0) this.keepKeyOrder(order - 1, mark);
    this.setItems(mark - 1, this.stack, mark, this.stack.length);
    truncate(this.stack, mark);
  }

  /** Keeps the keys of the body above `mark` as those of the key order `id` (see loadSetItems). */
  private keepKeyOrder(id: number, mark: number): void {
    const keys = new Array<unknown>((this.stack.length - mark) >> 1);
    for (let i = 0; i < keys.length; i++) keys[i] = this.stack[mark + 2 * i];
    this.foldedOrders[id] = { keys, make: undefined };
  }

  /**
   * DICT_VALUES: a SETITEMS whose body the scanner folded: the `count` values
   * on top of the stack, of the key order with id `order`, go into the dict
   * below them; made whole by the order's compiled function when that dict is
   * fresh. As SETITEMS would, with its MARK (for maxDepth) and its key GETs.
   */
  private loadDictValues(order: number, count: number): void {
    if (this.marks.length >= this.maxDepth) this.tooDeep();
    const folded = this.foldedOrders[order];
    const target = this.stack.length - count - 1;
    if (folded === undefined || folded.keys.length !== count) throw new UnpicklingError(`unexpected key order ${order}`);
    if (target < this.fence) this.underflow();
    const dict = this.stack[target];
    if (folded.make === undefined) folded.make = valuesFactory(folded.keys);
    if (dict === this.freshDict && folded.make !== null) {
      this.replaceFresh(target, folded.make(this.stack, target + 1));
      this.spareDict = dict as object;
    } else {
      const items = new Array<unknown>(2 * count);
      for (let i = 0; i < count; i++) {
        items[2 * i] = this.share(folded.keys[i]);
        items[2 * i + 1] = this.stack[target + 1 + i];
      }
      this.setItems(target, items, 0, 2 * count);
    }
    truncate(this.stack, target + 1);
  }

  /**
   * Sets the pairs items[start..end) in the dict at stack[target]. A
   * plain-object dict given a non-str key becomes a Map there.
   */
  private setItems(target: number, items: unknown[], start: number, end: number): void {
    if ((end - start) % 2 !== 0) throw new UnpicklingError('odd number of items for a dict');
    let dict = this.stack[target];
    const fresh = dict === this.freshDict && end > start;
    if (fresh) {
      this.freshDict = null;
      if (this.fillFresh(target, items, start, end)) return;
    }
    let plain = isPlainObject(dict);
    for (let i = start; i < end; i += 2) {
      const key = items[i];
      const value = items[i + 1];
      if (plain && typeof key === 'string') {
        this.setProperty(dict as Record<string, unknown>, key, value);
      } else if (plain) {
        dict = this.convertToMap(dict as Record<string, unknown>, target);
        plain = false;
        (dict as Map<unknown, unknown>).set(key, value);
      } else if (dict instanceof Map) {
        dict.set(key, value);
      } else if (dict instanceof PyObject) {
        (dict.dictItems ??= []).push([key, value]);
      } else if (typeof (dict as { __setitem__?: unknown })?.__setitem__ === 'function') {
        (dict as { __setitem__(k: unknown, v: unknown): void }).__setitem__(key, value);
      } else {
        throw new UnpicklingError(`cannot set an item of ${typeName(dict)}`);
      }
    }
    // Still only on the stack and in one memo slot (setting own data properties runs no code): replaced by its copy
    if (fresh && plain && end - start >= 2 * SLOW_MODE_KEYS && !this.keyOrders?.has(dict as object)) this.replaceFresh(target, { ...(dict as object) });
  }

  /**
   * The first items of the fresh dict at stack[target], which nothing else
   * holds yet: it is replaced, on the stack and in its memo slot, by a Map if
   * its first key is not a str (Python's dict as JS holds it: no conversion
   * later), or by an object made whole from its compiled key order. False
   * when neither applies (the caller adds the items one by one).
   */
  private fillFresh(target: number, items: unknown[], start: number, end: number): boolean {
    let made: object | null;
    if (typeof items[start] === 'string') {
      made = makeDict(items, start, end);
      if (made === null) return false;
    } else {
      const map = new Map<unknown, unknown>();
      for (let i = start; i < end; i += 2) map.set(items[i], items[i + 1]);
      made = map;
    }
    const fresh = this.stack[target] as object;
    this.replaceFresh(target, made);
    this.spareDict = fresh;
    return true;
  }

  /** Puts `made` where the fresh dict at stack[target] is: on the stack and in its memo slot. */
  private replaceFresh(target: number, made: object): void {
    this.freshDict = null;
    this.stack[target] = made;
    if (this.freshDictMemo >= 0) this.memo[this.freshDictMemo] = made;
  }

  /**
   * Sets a str key of a plain-object dict. JS lists array-index keys ("2")
   * before all others; once such a key follows other keys, the dict's
   * insertion order is kept aside, so that a later conversion to a Map keeps
   * Python's order.
   */
  private setProperty(dict: Record<string, unknown>, key: string, value: unknown): void {
    if (this.keyOrders === null && !isArrayIndex(key)) {
      if (key === '__proto__') Object.defineProperty(dict, key, { value, writable: true, enumerable: true, configurable: true });
      else dict[key] = value;
      return;
    }
    if (!Object.hasOwn(dict, key)) {
      let order = this.keyOrders?.get(dict);
      if (order === undefined && isArrayIndex(key)) {
        const keys = Object.keys(dict);
        if (keys.length > 0) (this.keyOrders ??= new WeakMap()).set(dict, (order = keys));
      }
      order?.push(key);
    }
    if (key === '__proto__') Object.defineProperty(dict, key, { value, writable: true, enumerable: true, configurable: true });
    else dict[key] = value;
  }

  /**
   * Replaces the plain-object dict on top of the stack by a Map of its
   * entries. Later GETs of it give the Map; if it may already be referenced
   * elsewhere, the result is fixed up when the load ends (fixup.ts).
   */
  private convertToMap(dict: Record<string, unknown>, index: number): Map<unknown, unknown> {
    const keys = this.keyOrders?.get(dict) ?? Object.keys(dict);
    const map = new Map<unknown, unknown>(keys.map((key) => [key, dict[key]]));
    if (map.size > 0 || this.plainDictShared) this.convertedEscaped = true;
    (this.converted ??= new Map()).set(dict, map);
    this.stack[index] = map;
    return map;
  }

  private loadAddItems(): void {
    const items = this.popMark();
    const target = this.top();
    if (!(target instanceof Set) || target instanceof FrozenSet) throw new UnpicklingError(`cannot add items to ${typeName(target)}`);
    for (let i = 0; i < items.length; i++) target.add(items[i]);
  }

  // --- strings and bytes ---

  /**
   * Is the str of the STR record at word `w` (flags in `head`) nothing but the
   * argument of `_codecs.encode(str, 'latin1')`, as protocols 0–2 write
   * bytes? So it is when the built-in codecsEncode is below it on the stack,
   * the records after it are 'latin1' (a str, or a GET of one), TUPLE2 (or
   * TUPLE from a MARK just below the str) and REDUCE, each but REDUCE with
   * its memo stores after it (folded, or PUT and MEMOIZE records), all on
   * this tape, and the memo pass (which found every index the pickle GETs)
   * shows that neither the str nor the tuple is stored where a GET finds it.
   */
  private onlyEncodedToLatin1(w: number, end: number, head: number): boolean {
    const stack = this.stack;
    const referenced = this.referenced;
    if (referenced === null || stack[stack.length - 1] !== codecsEncode) return false;
    if (((head >>> Layout.FLAGS_SHIFT) & (StrFlag.ASCII | StrFlag.LATIN1)) === 0) return false;
    const tape = this.session!.views.u32;
    const fromMark = this.marks.length > 0 && this.fence === stack.length;
    // With the pass's bitmap, each store is at the next index (else the pass gives up): the memo's size, and on.
    let index = this.memoCount;
    let part = -1; // 0: the str, 1: 'latin1', 2: the tuple, 3: REDUCE
    for (let r = w; r < end; r += Layout.RECORD_WORDS) {
      const record = tape[r];
      const kind = record & 0xff;
      let stored = part >= 0 && (kind === Rec.PUT || kind === Op.MEMOIZE);
      if (!stored) {
        part++;
        if (part === 1 && !this.isLatin1Name(r)) return false;
        if (part === 2 && kind !== Op.TUPLE2 && !(kind === Op.TUPLE && fromMark)) return false;
        if (part === 3) return kind === Op.REDUCE;
        stored = (record & ((MemoFlag.MEMOIZED | MemoFlag.PUT_NEXT) << Layout.FLAGS_SHIFT)) !== 0;
      }
      if (stored && isMarked(referenced, index++) && part !== 1) return false; // only 'latin1' may be fetched again
    }
    return false;
  }

  /** Is the record at word `r` the str 'latin1', or a GET of it? */
  private isLatin1Name(r: number): boolean {
    const tape = this.session!.views.u32;
    const kind = tape[r] & 0xff;
    const a = tape[r + 2];
    if (kind === Rec.GET) return this.memo[a] === 'latin1';
    return kind === Rec.STR && tape[r + 3] === 6 && latin1String(this.data, a, a + 6) === 'latin1';
  }

  /** The STR record's str as its latin-1 bytes, for codecsEncode (see onlyEncodedToLatin1): ASCII is its own UTF-8. */
  private latin1Str(start: number, length: number, head: number): Latin1Str {
    const ascii = ((head >>> Layout.FLAGS_SHIFT) & StrFlag.ASCII) !== 0;
    return new Latin1Str(ascii ? this.bytesAt(start, length) : latin1BytesOfUtf8(this.data, start, start + length));
  }

  /** A bytes payload: a plain Uint8Array view of the input (whatever its class), or a copy with `copy`. */
  private bytesAt(start: number, length: number): Uint8Array {
    const view = new Uint8Array(this.data.buffer, this.data.byteOffset + start, length);
    return this.options.copy ? view.slice() : view;
  }

  /** A Python 2 str, as `encoding` says. */
  private python2String(bytes: Uint8Array, flags: number): unknown {
    const encoding = this.options.encoding ?? 'ASCII';
    if (encoding === 'bytes') return this.options.copy ? bytes.slice() : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    if (encoding === 'latin1') return latin1String(bytes, 0, bytes.length);
    if (encoding === 'utf-8') {
      if (flags & (StrFlag.INVALID | StrFlag.SURROGATES)) throw new UnpicklingError("a Python 2 str is not valid UTF-8 (try encoding: 'latin1' or 'bytes')");
      return utf8String(bytes, 0, bytes.length, flags);
    }
    if (!(flags & StrFlag.ASCII)) throw new UnpicklingError("a Python 2 str is not ASCII (try encoding: 'latin1', 'utf-8' or 'bytes')");
    return latin1String(bytes, 0, bytes.length);
  }

  private loadQuotedString(start: number, length: number): void {
    const bytes = escapeDecode(this.data, start, start + length);
    const flags = isAscii(bytes) ? StrFlag.ASCII : 0;
    this.stack.push(this.python2String(bytes, flags | (flags ? 0 : this.utf8Flags(bytes))));
  }

  private utf8Flags(bytes: Uint8Array): number {
    return strictUtf8String(bytes) === null ? StrFlag.INVALID : 0;
  }

  // --- globals and objects ---

  /** Resolves the global that a GLOBAL or INST argument (module and name lines) at `start` names. */
  private resolveNamed(start: number, moduleLength: number): unknown {
    const names = globalNamesAt(this.data, start, moduleLength);
    const [module, qualname] = this.fixesImports() ? names.fixed : names.given;
    return this.findClass(module, qualname);
  }

  /** Whether Python 2 names are mapped to Python 3's (fixImport), as Python's fix_imports. */
  private fixesImports(): boolean {
    return this.proto < 3 && this.options.fixImports !== false;
  }

  private loadStackGlobal(): void {
    const qualname = this.pop();
    const module = this.pop();
    if (typeof module !== 'string' || typeof qualname !== 'string') throw new UnpicklingError('STACK_GLOBAL requires str');
    const [fixedModule, fixedQualname] = this.fixesImports() ? fixImport(module, qualname) : [module, qualname];
    this.stack.push(this.findClass(fixedModule, fixedQualname));
  }

  private loadExtension(code: number): void {
    if (code <= 0) throw new UnpicklingError('EXT specifies code <= 0');
    const name = this.registry.extension(code);
    if (name === undefined) throw new UnpicklingError(`unregistered extension code ${code}`);
    this.stack.push(this.findClass(name.module, name.qualname));
  }

  private loadReduce(): void {
    const args = this.pop();
    const callable = this.pop();
    if (!Array.isArray(args)) throw new UnpicklingError(`REDUCE arguments must be a tuple, not ${typeName(args)}`);
    this.stack.push(this.call(callable, args));
  }

  /** Calls a resolved callable; those that make code from the pickle only with allowCode. */
  private call(callable: unknown, args: unknown[]): unknown {
    if ((callable as { [MAKES_CODE]?: boolean } | null)?.[MAKES_CODE] && !this.options.allowCode) {
      throw new UnpicklingError(
        `${typeof args[0] === 'string' ? args[0].slice(0, 100) : typeName(args[0])} was pickled by value, as JS source: loading it would run that code; ` +
          'load with { allowCode: true } only if you trust this pickle',
      );
    }
    return call(callable, args);
  }

  private loadBuild(): void {
    const state = this.pop();
    const target = this.top();
    setState(target, state);
  }

  private loadNewObj(withKeywords: boolean): void {
    const kwargs = withKeywords ? this.pop() : undefined;
    const args = this.pop();
    const cls = this.pop();
    if (!Array.isArray(args)) throw new UnpicklingError(`NEWOBJ arguments must be a tuple, not ${typeName(args)}`);
    this.stack.push(newObject(cls, args, kwargs));
  }

  /** INST and OBJ: as pickle.py's _instantiate. */
  private instantiate(cls: unknown, args: unknown[]): unknown {
    if (args.length > 0 || typeof (cls as { __getinitargs__?: unknown })?.__getinitargs__ === 'function') {
      return this.call(cls, args);
    }
    return cls instanceof PyObject ? this.call(cls, args) : newObject(cls, args);
  }

  private loadInst(start: number, length: number): void {
    const cls = this.resolveNamed(start, length);
    this.stack.push(this.instantiate(cls, this.popMark()));
  }

  private loadObj(): void {
    const items = this.popMark();
    if (items.length === 0) throw new UnpicklingError('OBJ needs a class after the MARK');
    this.stack.push(this.instantiate(items[0], items.slice(1)));
  }

  private loadPersid(start: number, length: number): void {
    const bytes = this.data.subarray(start, start + length);
    if (!isAscii(bytes)) throw new UnpicklingError('persistent IDs in protocol 0 must be ASCII strings');
    const pid = latin1String(bytes, 0, bytes.length);
    this.stack.push(this.persistentLoad(pid));
  }

  private nextBuffer(): unknown {
    if (this.buffers === null) throw new UnpicklingError('pickle stream refers to out-of-band data but no buffers were given');
    const next = this.buffers.next();
    if (next.done) throw new UnpicklingError('not enough out-of-band buffers');
    return next.value;
  }
}
