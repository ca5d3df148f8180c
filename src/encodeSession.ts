// The writing side of a wasm session: JS puts records on the session's tape
// (and small payloads in its arena) straight in wasm memory; encode() turns
// them into bytes in the session's window, which is collected here into the
// output. Large payloads never enter wasm memory: their header is written
// there and the bytes themselves join the output as they are.
import { PicklingError } from './errors.js';
import { unfoldLatin1Into, utf8OfLatin1 } from './latin1.js';
import { nodeBuffer } from './nodeBuffer.js';
import { Op } from './opcodes.js';
import { Field, Frame, EncodeStatus, Layout, MemoFlag, Rec, RecFlag, RunSlot } from './tape.js';
import { latin1Bytes, maxUtf8Length, utf8Bytes, writeLatin1, writeUtf8 } from './textEncoding.js';
import type { StrEntry } from './strTable.js';
import { core, memory } from './wasm.js';

const WINDOW_CAP = 128 * 1024;
/**
 * A full window doubles, up to this, before its bytes are taken out: output
 * up to this size is then copied once, straight into the result (a large
 * dump's many window copies and their concatenation cost 1M floats ~2 ms and
 * more work for the garbage collector). The window shrinks back on release;
 * wasm memory itself never shrinks, so a large dump leaves it this much bigger.
 */
const GROWN_WINDOW_CAP = 16 * 1024 * 1024;
const TAPE_CAP = 4096;
/** A NUMBERS run's f64s, packed in the records after it. */
const NUMBERS_PER_RECORD = Layout.RECORD_WORDS / 2;
/**
 * Payloads of this many bytes or more never enter wasm memory: wasm writes
 * their header outside any frame and the bytes join the output as they are,
 * as CPython's C pickler writes them (its FRAME_SIZE_TARGET). Smaller ones
 * are copied through the arena, which holds the largest of them.
 */
const EXTERNAL_MIN = 64 * 1024;
const ARENA_CAP = EXTERNAL_MIN;
/**
 * Strs of this many UTF-16 units or more wait for the flush, which encodes
 * them all in one call (see str()): a native call costs ~110 ns here, a JS
 * loop ~4 ns a unit; their concatenation and one call, ~30 ns a str.
 */
const PENDING_MIN = 8;
const POOL_SIZE = 8;
/** Room for this many memo indices (SharedStrs) a session starts with and keeps; a dump of more grows it, by doubling. */
const MEMO_INDICES_CAP = 4096;
/** The dump stamp last given (SharedStrs: never 0; when they wrap, the table is emptied). */
let lastStamp = 0;

/**
 * Outputs up to SMALL bytes are cut from a shared slab, as Node's Buffer pool
 * does: a new ArrayBuffer costs ~0.5 µs here, more than a small dump (a 2 kB
 * list of lists: 3% of its dump; a 1.7 kB list of strs: 8%). A kept output
 * keeps its slab alive, at most SLAB_SIZE.
 */
const SLAB_SIZE = 64 * 1024;
const SMALL = SLAB_SIZE / 8;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabUsed = 0;

/** A Uint8Array for output bytes; large ones, in Node, without zero-filling (every byte is written next). */
function allocate(size: number): Uint8Array {
  if (size <= SMALL) {
    // (a slab whose buffer a caller transferred is detached: start another)
    if (slabUsed + size > SLAB_SIZE || slab.byteLength === 0) {
      slab = new ArrayBuffer(SLAB_SIZE);
      slabUsed = 0;
    }
    const bytes = new Uint8Array(slab, slabUsed, size);
    slabUsed = (slabUsed + size + 7) & ~7;
    return bytes;
  }
  if (nodeBuffer === undefined) return new Uint8Array(size);
  const buffer = nodeBuffer.allocUnsafeSlow(size);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, size);
}

/** Below this many bytes a loop copies faster than a view + set (a typed array object more). */
const SHORT_COPY = 16;

/**
 * A copy of wasm memory's bytes [start, start + length), made by allocate();
 * through a view made here (14 ns), not subarray() (25: it goes through the species).
 */
function copyOut(start: number, length: number): Uint8Array {
  const copy = allocate(length);
  if (length >= SHORT_COPY) copy.set(new Uint8Array(memory.buffer, start, length));
  else {
    const u8 = memory.u8;
    for (let i = 0; i < length; i++) copy[i] = u8[start + i];
  }
  return copy;
}

/**
 * Copies items [from, to) to `f64` from index `at` while they are numbers;
 * returns where it stopped (the first that is not, or `to`). Four a step:
 * TurboFan then checks the arrays' maps and bounds once for four (1M floats
 * dumped in 28 instructions a number, not 37). Each is tested right before
 * its store: a group tested whole, then copied, cost 1M ints (a fifth of
 * them bigints, so most groups hold one) 10% more.
 */
function copyNumbers(items: ArrayLike<unknown>, from: number, to: number, f64: Float64Array, at: number): number {
  let i = from;
  for (; i + 4 <= to; i += 4, at += 4) {
    const a = items[i];
    if (typeof a !== 'number') return i;
    f64[at] = a;
    const b = items[i + 1];
    if (typeof b !== 'number') return i + 1;
    f64[at + 1] = b;
    const c = items[i + 2];
    if (typeof c !== 'number') return i + 2;
    f64[at + 2] = c;
    const d = items[i + 3];
    if (typeof d !== 'number') return i + 3;
    f64[at + 3] = d;
  }
  for (; i < to; i++, at++) {
    const value = items[i];
    if (typeof value !== 'number') break;
    f64[at] = value;
  }
  return i;
}

/** The bigints an INT64 record or a run's int64 slot holds (constants: `1n << 63n` would make a bigint a call). */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Does `value` fit an int64 (an INT64 record, or a run's slot)? */
export function isInt64(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}

const pool: EncodeSession[] = [];
const NO_CHUNKS: Uint8Array[] = []; // never pushed to: append() gives each dump its own

/** Is `value` written as an int? Python's -0.0 is a float; beyond 2^53, JS numbers stand for floats (wasm's isInteger decides the same). */
export function isInteger(value: number): boolean {
  return Number.isSafeInteger(value) && !Object.is(value, -0);
}

export class EncodeSession {
  /** wasm memory's views (a field: a module binding costs V8 more checks a use). */
  private readonly views = memory;
  readonly ptr: number;
  /** Word index of the tape and of its end, and byte offset of the arena, in wasm memory (fixed for the session's life). */
  private readonly tapeWord: number;
  private readonly tapeEnd: number;
  private readonly arena: number;
  /** Word index of the next record (the tape holds those before it). */
  private at = 0;
  private protocol = 0;
  /** Word index of the last record written, while a memo store may be folded into it (see memoize()); else -1. */
  private last = -1;
  /** JS's memo store of the dict key whose GET the next record carries (foldKeyGet()), and that record's flag for it (0: none). */
  private pendingKey = 0;
  private keyFlag = 0;
  private arenaUsed = 0;
  /** The memo stores made in this dump (memoize()), and how many the session's table of their output indices has room for. */
  private stores = 0;
  private storesCap = MEMO_INDICES_CAP;
  /** The strs of the records flagged PENDING since the last flush, concatenated, and the most UTF-8 bytes they take. */
  private pendingText = '';
  private pendingMax = 0;
  private readonly externals: Uint8Array[] = [];
  private chunks: Uint8Array[] = NO_CHUNKS;
  private size = 0;
  /** The largest output allowed. */
  maxBytes = Infinity;
  /** The strs tableStr() wrote this dump, in order (the first tableStrCount: kept between dumps, no array made for each). */
  private readonly tableStrs: StrEntry[] = [];
  tableStrCount = 0;

  private constructor() {
    this.ptr = core.newSession(WINDOW_CAP, TAPE_CAP, ARENA_CAP, 0, MEMO_INDICES_CAP);
    this.views.refresh();
    this.tapeWord = this.field(Field.TAPE) >>> 2;
    this.tapeEnd = this.tapeWord + TAPE_CAP * Layout.RECORD_WORDS;
    this.arena = this.field(Field.ARENA);
  }

  static acquire(): EncodeSession {
    return pool.pop() ?? new EncodeSession();
  }

  release(): void {
    if (this.field(Field.WINDOW_CAP) > WINDOW_CAP) core.resizeWindow(this.ptr, WINDOW_CAP);
    if (this.storesCap > MEMO_INDICES_CAP) {
      core.resizeMemoIndices(this.ptr, MEMO_INDICES_CAP);
      this.storesCap = MEMO_INDICES_CAP;
    }
    this.chunks = NO_CHUNKS; // not kept: finishChunks may have given it away
    this.pendingText = ''; // (a dump that failed may have left some: not kept, nor written by the next)
    this.pendingMax = 0;
    if (this.externals.length > 0) this.externals.length = 0; // (setting a length is a runtime call)
    if (pool.length < POOL_SIZE) pool.push(this);
    else core.freeSession(this.ptr);
  }

  private field(f: Field): number {
    return this.views.u32[(this.ptr >>> 2) + f];
  }

  private setField(f: Field, value: number): void {
    this.views.u32[(this.ptr >>> 2) + f] = value;
  }

  begin(protocol: number): void {
    this.protocol = protocol;
    this.setField(Field.PROTOCOL, protocol);
    this.setField(Field.NEXT_PUT, 0);
    this.setField(Field.JS_STORES, 0);
    this.setField(Field.CACHE_LOOKUPS, 0);
    this.setField(Field.CACHE_HITS, 0);
    this.setField(Field.CACHE_SKIPS, 0);
    if (++lastStamp > 0xffffffff) {
      core.clearSharedStrs();
      lastStamp = 1;
    }
    this.setField(Field.DUMP_STAMP, lastStamp);
    this.stores = 0;
    this.setField(Field.WINDOW_LEN, 0);
    this.setField(Field.FRAME_START, Frame.NONE);
    this.at = this.tapeWord;
    this.last = -1;
    this.keyFlag = 0; // (a dump that failed may have left one)
    this.arenaUsed = 0;
    this.tableStrCount = 0;
    this.chunks = NO_CHUNKS; // an array of its own once a chunk is taken (most dumps fit one window: none is)
    this.size = 0;
  }

  /**
   * A dict key's GET of JS's memo store `index`: folded into the record that
   * begins the key's value (RecFlag.KEY_GET), which always comes next; at
   * protocol 0, a record of its own.
   */
  keyGet(index: number): void {
    if (this.protocol === 0) this.record(Rec.GET, index, 0);
    else this.foldKeyGet(index);
  }

  /** keyGet() at protocol 1+ (a key of the key table's: the table is not used at 0). */
  foldKeyGet(index: number): void {
    this.pendingKey = index;
    this.keyFlag = RecFlag.KEY_GET << Layout.FLAGS_SHIFT;
  }

  /** The pending key's GET as a record of its own, before a NUMBERS run (whose word 1 is taken). */
  private writePendingKey(): void {
    this.keyFlag = 0;
    this.record(Rec.GET, this.pendingKey, 0);
  }

  /**
   * Stores the value just written in the memo, as the dump's next store (its
   * index for GET: the stores so far; the output's may differ, see
   * SharedStrs): a flag on its record, for the encoder to write MEMOIZE
   * (protocol 4+) or PUT after the record's own opcode (a record fewer for
   * most values), else a record of its own. Returns the index.
   */
  memoize(): number {
    if (this.last < 0) this.record(Rec.PUT, 0, 0);
    else {
      this.views.u32[this.last] |= (this.protocol >= 4 ? MemoFlag.MEMOIZED : MemoFlag.PUT_NEXT) << Layout.FLAGS_SHIFT;
      this.last = -1;
    }
    return this.stores++;
  }

  /**
   * A record of a kind and two 32-bit arguments, with the pending key's GET
   * (foldKeyGet()) folded into it: its memo index in word 1, which the
   * encoder reads only with the flag (so word 1 is written as it is, with no
   * branch). Small in bytecode: TurboFan inlines callees until their bytecode
   * adds up to a budget (920 bytes), and record() is inlined at most sites
   * of the dict loop only when small (bm_pickle DICT_GROUP: ~8% of a dump).
   */
  record(kind: number, a: number, b: number): void {
    let w = this.at;
    if (w === this.tapeEnd) {
      this.flush();
      w = this.tapeWord;
    }
    this.at = w + Layout.RECORD_WORDS;
    this.last = w;
    const u32 = this.views.u32;
    u32[w] = kind | this.keyFlag;
    u32[w + 1] = this.pendingKey;
    u32[w + 2] = a;
    u32[w + 3] = b;
    this.keyFlag = 0;
  }

  /** A NUMBER record: wasm writes it as an int when isInteger(value), else as a float (in binary: protocol 1+). */
  number(value: number): void {
    this.record(Rec.NUMBER, 0, 0);
    this.views.f64[(this.last >>> 1) + 1] = value;
  }

  /**
   * number() for items[from..to) while they are numbers, as NUMBERS runs (one
   * f64 store a number); returns the index of the first that is not.
   */
  numbers(items: ArrayLike<unknown>, from: number, to: number): number {
    let i = from;
    if (i < to && typeof items[i] === 'number' && (i + 1 === to || (typeof items[i + 1] !== 'number' && typeof items[i + 1] !== 'bigint'))) {
      this.number(items[i] as number); // alone: a record, not a run's two
      return i + 1;
    }
    while (i < to && typeof items[i] === 'number') {
      const first = this.runValues(1); // room for the run's record and one of values; as many more as the tape holds
      const end = first + ((this.tapeEnd - this.at) / Layout.RECORD_WORDS - 1) * NUMBERS_PER_RECORD;
      // the values, with the views and the slot in locals; ints within 64 bits that are bigints (ints
      // beyond 2^53 in a list of ints) stay in the run, each in two slots, chained (see RecFlag.INT64S)
      const { f64, u32, i64 } = this.views;
      let at = first;
      let firstInt64: number = RunSlot.NONE;
      let lastInt64 = -1;
      for (;;) {
        const stopped = copyNumbers(items, i, Math.min(to, i + end - at), f64, at);
        at += stopped - i;
        i = stopped;
        const value = i < to ? items[i] : undefined;
        if (typeof value !== 'bigint' || at + 1 >= end || !isInt64(value)) break;
        i64[at] = value;
        if (lastInt64 < 0) firstInt64 = at - first;
        else u32[2 * lastInt64 + 2] = at - first; // the previous one's link
        lastInt64 = at;
        at += 2;
        i++;
      }
      if (lastInt64 >= 0) u32[2 * lastInt64 + 2] = RunSlot.NONE;
      this.endRun(at - first, 0, firstInt64);
      if (at < end) break; // the items ended, or one that a run cannot hold
    }
    return i;
  }

  /**
   * A list's or tuple's items, all numbers, as one NUMBERS run that `closing`
   * (APPENDS, TUPLE, TUPLE1-3) ends (see endRun); else returns false, having
   * written nothing. For fewer than a batch (1000 items: they fit the tape).
   */
  numbersBatch(items: ArrayLike<unknown>, closing: number): boolean {
    const n = items.length;
    const first = this.runValues(n);
    if (copyNumbers(items, 0, n, this.views.f64, first) < n) return false;
    this.endRun(n, closing);
    return true;
  }

  /**
   * A Map's keys and values, interleaved as number() would write them, as
   * one NUMBERS run that is the dict's whole batch, if every one is a number
   * (an int-keyed dict of numbers: no array of its items); else returns
   * false, having written nothing. For a Map of less than a batch.
   */
  mapNumbers(map: Map<unknown, unknown>): boolean {
    const n = map.size * 2;
    const first = this.runValues(n);
    const f64 = this.views.f64;
    let at = first;
    for (const key of map.keys()) {
      if (typeof key !== 'number') return false;
      f64[at] = key;
      at += 2;
    }
    at = first + 1;
    for (const value of map.values()) {
      if (typeof value !== 'number') return false;
      f64[at] = value;
      at += 2;
    }
    this.endRun(n, Op.SETITEMS);
    return true;
  }

  /** Makes room on the tape for a run of n values; returns the f64 index of the first. */
  private runValues(n: number): number {
    if (this.keyFlag !== 0) this.writePendingKey();
    if (this.at + (1 + Math.ceil(n / NUMBERS_PER_RECORD)) * Layout.RECORD_WORDS > this.tapeEnd) this.flush();
    return (this.at >>> 1) + Layout.RECORD_WORDS / 2;
  }

  /**
   * Writes the head record of the NUMBERS run of the n values runValues()
   * placed, and counts its records. With `closing`, the run is a container's
   * items and wasm writes that opcode after them: APPENDS or SETITEMS with the MARK
   * before them (APPEND or SETITEM alone for one element), TUPLE or TUPLE1-3
   * (the caller writes TUPLE's MARK); the container's memo store may then be
   * folded into it. A list of lists dumps in 26 µs, not 36. `firstInt64`:
   * the slot of the run's first int64, if it holds any (see RecFlag.INT64S:
   * n counts slots).
   */
  private endRun(n: number, closing = 0, firstInt64: number = RunSlot.NONE): void {
    const head = this.at;
    const u32 = this.views.u32;
    const batch = closing === Op.APPENDS || closing === Op.SETITEMS ? RecFlag.BATCH : 0;
    const int64s = firstInt64 === RunSlot.NONE ? 0 : RecFlag.INT64S;
    u32[head] = Rec.NUMBERS | ((batch | int64s) << Layout.FLAGS_SHIFT);
    u32[head + 1] = int64s === 0 ? closing : firstInt64;
    u32[head + 2] = n;
    u32[head + 3] = 0;
    this.at += (1 + Math.ceil(n / NUMBERS_PER_RECORD)) * Layout.RECORD_WORDS;
    this.last = closing === 0 ? -1 : head;
  }

  int64(value: bigint): void {
    this.record(Rec.INT64, 0, 0);
    this.views.i64[(this.last >>> 1) + 1] = value;
  }

  /** Reserves `length` arena bytes for a record's payload; returns their offset in the arena. */
  private reserve(length: number): number {
    this.makeRoom(length);
    const start = this.arenaUsed;
    this.arenaUsed += length;
    return start;
  }

  /** A record whose payload is `bytes`: copied through the arena, or external when large. */
  bytesPayload(kind: number, bytes: Uint8Array): void {
    if (bytes.length >= EXTERNAL_MIN) return this.externalPayload(kind, bytes);
    const start = this.reserve(bytes.length);
    this.views.u8.set(bytes, this.arena + start);
    this.record(kind, start, bytes.length);
  }

  /**
   * A record whose payload is `text`, every code unit below 0x100, one byte
   * each (protocol 0's text arguments). wasm ends the line; an external
   * payload carries `end` itself.
   */
  latin1Payload(kind: number, text: string, end: string): void {
    if (text.length >= EXTERNAL_MIN) return this.externalPayload(kind, latin1Bytes(text + end));
    const start = this.reserve(text.length);
    writeLatin1(text, this.views.u8, this.arena + start);
    this.record(kind, start, text.length);
  }

  /** A record whose payload is `text` in UTF-8 (surrogatepass); an external one carries `end` (ASCII) after it. `kind` may carry RecFlags. */
  utf8Payload(kind: number, text: string, end = ''): void {
    const max = maxUtf8Length(text);
    if (max >= EXTERNAL_MIN) {
      // the bytes it really takes decide
      const bytes = utf8Bytes(text + end);
      const length = bytes.length - end.length;
      if (length >= EXTERNAL_MIN) return this.externalPayload(kind, bytes);
      return this.bytesPayload(kind, bytes.subarray(0, length));
    }
    this.makeRoom(max);
    const start = this.arenaUsed;
    const length = writeUtf8(text, this.views.u8, this.arena + start, this.views.text);
    this.arenaUsed += length;
    this.record(kind, start, length);
  }

  /**
   * A STR record: most are written at the flush, with the others of their
   * flush, one after another; short ones (the JS loop is cheaper) now. A str
   * that ends in a high surrogate is written now too: with a low surrogate
   * after it in the concatenation, the two would be encoded as one character.
   * A `shared` one is a value that the encoder writes as a GET if the dump
   * wrote it before (with a memo store the first time: SharedStrs).
   */
  str(text: string, shared: boolean): void {
    const n = text.length;
    const max = maxUtf8Length(text);
    const kind = shared ? Rec.STR | (RecFlag.SHARED << Layout.FLAGS_SHIFT) : Rec.STR;
    if (n < PENDING_MIN || (text.charCodeAt(n - 1) & 0xfc00) === 0xd800 || max >= EXTERNAL_MIN) this.utf8Payload(kind, text);
    else {
      this.makeRoom(max);
      this.pendingText += text;
      this.pendingMax += max;
      this.record(kind | (RecFlag.PENDING << Layout.FLAGS_SHIFT), n, max);
    }
  }

  /** Encodes the pending strs after the arena's payloads and tells the encoder where (Field.TEXT). */
  private writePending(): void {
    const at = this.arena + this.arenaUsed;
    const written = writeUtf8(this.pendingText, this.views.u8, at, this.views.text);
    this.setField(Field.TEXT, at);
    this.setField(Field.TEXT_ASCII, written === this.pendingText.length ? 1 : 0);
    this.pendingText = '';
    this.pendingMax = 0;
  }

  /**
   * A STR record of the str whose latin-1 bytes are `bytes` (a bytes value's
   * text at protocols 1–2), its UTF-8 made by wasm, never a JS string: in
   * the arena, or, from 64 KiB of it, external.
   */
  latin1Str(bytes: Uint8Array): void {
    const n = bytes.length;
    if (2 * n >= EXTERNAL_MIN) { // (UTF-8 takes at most twice as many bytes)
      const utf8 = utf8OfLatin1(bytes);
      if (utf8.length >= EXTERNAL_MIN) return this.externalPayload(Rec.STR, utf8);
      return this.bytesPayload(Rec.STR, utf8);
    }
    this.makeRoom(2 * n);
    const start = this.arenaUsed;
    const length = unfoldLatin1Into(bytes, this.arena + start);
    this.arenaUsed += length;
    this.record(Rec.STR, start, length);
  }

  /** A record whose payload (`length` bytes) stays at `address` in wasm memory (src/strTable.ts). */
  payloadAt(kind: number, address: number, length: number): void {
    this.record(kind | (RecFlag.ADDRESS << Layout.FLAGS_SHIFT), address, length);
  }

  /** A STR record whose UTF-8 stays at `address` in wasm memory. */
  strAt(address: number, length: number): void {
    this.record(Rec.STR | (RecFlag.ADDRESS << Layout.FLAGS_SHIFT), address, length); // (not through payloadAt: see record)
  }

  /** A str value of the value table the dump writes for the first time: its STR record and JS's memo store, whose index it returns. */
  tableStr(entry: StrEntry): number {
    this.strAt(entry.address, entry.length);
    this.tableStrs[this.tableStrCount++] = entry;
    return this.memoize();
  }

  /** Tells the encoder (Rec.SHARED_STR) of the strs tableStr() wrote that dump `dump` still holds (a dump inside this one may have taken some over). */
  shareTableStrs(dump: number): void {
    for (let i = 0; i < this.tableStrCount; i++) {
      const entry = this.tableStrs[i];
      if (entry.dump !== dump) continue;
      // (not record(): word 1 is taken, and a pending key is the next value's)
      if (this.at === this.tapeEnd) this.flush();
      const w = this.at;
      this.at = w + Layout.RECORD_WORDS;
      const u32 = this.views.u32;
      u32[w] = Rec.SHARED_STR;
      u32[w + 1] = entry.index;
      u32[w + 2] = entry.address;
      u32[w + 3] = entry.length;
      this.last = -1; // not a value: no memo store folds into it
    }
  }

  /** A record whose payload joins the output as it is, after its header. */
  externalPayload(kind: number, payload: Uint8Array): void {
    this.makeRoom(0);
    this.externals.push(payload);
    this.record(kind | (RecFlag.EXTERNAL << Layout.FLAGS_SHIFT), 0, payload.length);
    this.last = -1; // its MEMOIZE follows the payload, which the encoder does not write
  }

  /** Flushes unless one more record and `payload` arena bytes fit (a flush empties tape, arena and externals together). */
  private makeRoom(payload: number): void {
    if (this.at === this.tapeEnd || this.arenaUsed + this.pendingMax + payload > ARENA_CAP) this.flush();
  }

  /** Has wasm write the records so far. */
  flush(): void {
    if (this.pendingMax > 0) this.writePending();
    if (this.stores > this.storesCap) {
      while (this.stores > this.storesCap) this.storesCap *= 2;
      core.resizeMemoIndices(this.ptr, this.storesCap);
      this.views.refresh();
    }
    this.setField(Field.TAPE_LEN, (this.at - this.tapeWord) / Layout.RECORD_WORDS);
    this.setField(Field.POS, 0);
    let external = 0;
    for (;;) {
      const status = core.encode(this.ptr);
      if (status === EncodeStatus.NEED_RECORDS) break;
      if (status === EncodeStatus.OUTPUT_FULL) {
        this.makeWindowRoom();
        continue;
      }
      this.takeWindow(); // EXTERNAL: the frame is closed and the payload's header written
      this.append(this.externals[external++]);
    }
    this.at = this.tapeWord;
    this.last = -1;
    this.arenaUsed = 0;
    if (external > 0) this.externals.length = 0;
  }

  /** Writes what is left and returns the pickle as the chunks it was made in. */
  finishChunks(): Uint8Array[] {
    this.flush();
    this.takeWindow();
    return this.chunks === NO_CHUNKS ? [] : this.chunks;
  }

  /** Writes what is left and returns the whole pickle. */
  finish(): Uint8Array {
    this.flush();
    if (this.chunks === NO_CHUNKS) {
      this.checkSize(this.field(Field.WINDOW_LEN));
      return this.windowBytes();
    }
    this.takeWindow();
    if (this.chunks.length === 1) return this.chunks[0];
    const out = allocate(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  /**
   * Room in a full window: it doubles up to GROWN_WINDOW_CAP; at that size,
   * the bytes before the open frame are taken out and the frame moves to the
   * window's start, so that frames end where CPython's do, wherever windows end.
   */
  private makeWindowRoom(): void {
    this.checkSize(this.size + this.field(Field.WINDOW_LEN)); // before growing: a dump over maxBytes stops early
    const cap = this.field(Field.WINDOW_CAP);
    if (cap < GROWN_WINDOW_CAP) {
      core.growWindow(this.ptr, cap * 2);
      this.views.refresh();
      return;
    }
    const frame = this.field(Field.FRAME_START);
    if (frame === Frame.NONE) return this.takeWindow();
    const start = this.field(Field.WINDOW);
    const length = this.field(Field.WINDOW_LEN);
    this.append(copyOut(start, frame));
    this.views.u8.copyWithin(start, start + frame, start + length);
    this.setField(Field.WINDOW_LEN, length - frame);
    this.setField(Field.FRAME_START, 0);
  }

  private takeWindow(): void {
    if (this.field(Field.WINDOW_LEN) > 0) this.append(this.windowBytes());
  }

  /** A copy of the window's bytes, which it no longer holds. */
  private windowBytes(): Uint8Array {
    const bytes = copyOut(this.field(Field.WINDOW), this.field(Field.WINDOW_LEN));
    this.setField(Field.WINDOW_LEN, 0);
    return bytes;
  }

  private append(chunk: Uint8Array): void {
    this.size += chunk.length;
    this.checkSize(this.size);
    if (this.chunks === NO_CHUNKS) this.chunks = [];
    this.chunks.push(chunk);
  }

  private checkSize(size: number): void {
    if (size > this.maxBytes) throw new PicklingError(`the pickle would be larger than maxBytes (${this.maxBytes})`);
  }
}
