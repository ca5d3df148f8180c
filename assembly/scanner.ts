// Pass 1 of loads: reads the opcodes in the window, checks every argument
// against the bounds of the input, decodes numbers and classifies strings, and
// writes one tape record per value-producing opcode. Pass 2 (src/Unpickler.ts)
// replays the records. All state lives in the session block, so a scan can stop
// anywhere (tape full, window exhausted) and resume, and sessions never share it.
import { field, setCurrentField as setField, useSession } from "./session";
import { Op, Arg, OPCODE_TABLE } from "../src/opcodes";
import { Field, KeyOrders, Layout, MemoFlag, Rec, RunFlag, ScanError, Status, StrCache, StrFlag, StrUnits } from "../src/tape";
import { NOT_UTF8, classify, classifiedFlags, decodeStr } from "./utf8";
import { at, byte, findNewline, inputBase, inputEnd, useWindow, windowEnd, windowStart } from "./window";
import { Parsed, parseDecimal, parseFloatText, parsedFloat, parsedInt } from "./numbers";
import { HIGH_BITS, foldHash, loadBigEndianF64, mixWord, slotOf, wordOf } from "./words";
import { bodyA, bodyB, bodyKind, dictBody, saveKeyOrders, useKeyOrders } from "./keyOrders";

export const UNKNOWN: u8 = 0xff;
const MAX_SAFE_INTEGER: i64 = 9007199254740991;
const HIGHEST_PROTOCOL: u32 = 5;

/** Argument kind of every opcode byte (UNKNOWN for bytes that are no opcode), and its fixedSize. */
export const argKindOf = new StaticArray<u8>(256);
export const argSizeOf = new StaticArray<u8>(256);
for (let i = 0; i < 256; i++) argKindOf[i] = UNKNOWN;
for (let i = 0; i < OPCODE_TABLE.length; i++) {
  const op = OPCODE_TABLE[i][0];
  argKindOf[op] = <u8>OPCODE_TABLE[i][1];
  argSizeOf[op] = <u8>fixedSize(OPCODE_TABLE[i][1]);
}

/** How scanRun takes each opcode but a number (a dense switch: one table jump, where tests one by one took ~30 instructions an opcode). */
const enum Handle {
  /** Left to step() (as are numbers scanRun did not take: LONG1 of over 8 bytes). */
  STEP = 0,
  /** MEMOIZE, BINPUT, LONG_BINPUT (see foldStoreAfter). */
  STORE,
  /** BINGET, LONG_BINGET. */
  GET,
  MARK,
  NO_ARGUMENT,
  STR,
  /** A dict body's end (see writeSetItems). */
  SETITEMS,
}
const handleOf = new StaticArray<u8>(256);
for (let i = 0; i < OPCODE_TABLE.length; i++) handleOf[OPCODE_TABLE[i][0]] = <u8>handleFor(OPCODE_TABLE[i][0], OPCODE_TABLE[i][1]);

function handleFor(op: u32, kind: u32): Handle {
  switch (op) {
    case Op.MEMOIZE: case Op.BINPUT: case Op.LONG_BINPUT: return Handle.STORE;
    case Op.BINGET: case Op.LONG_BINGET: return Handle.GET;
    case Op.MARK: return Handle.MARK;
    case Op.SETITEMS: return Handle.SETITEMS;
    case Op.SHORT_BINUNICODE: case Op.BINUNICODE: return Handle.STR;
    default: return kind == Arg.NONE && op != Op.STOP ? Handle.NO_ARGUMENT : Handle.STEP;
  }
}

/** Bytes a fixed-size argument takes (the length prefix, for counted ones). */
function fixedSize(kind: u32): u32 {
  switch (kind) {
    case Arg.UINT1: case Arg.STRING1: case Arg.UNICODESTRING1: case Arg.BYTES1: case Arg.LONG1: return 1;
    case Arg.UINT2: return 2;
    case Arg.INT4: case Arg.UINT4: case Arg.STRING4: case Arg.UNICODESTRING4: case Arg.BYTES4: case Arg.LONG4: return 4;
    case Arg.UINT8: case Arg.FLOAT8: case Arg.UNICODESTRING8: case Arg.BYTES8: case Arg.BYTEARRAY8: return 8;
    default: return 0;
  }
}

// The session being scanned, loaded from its block by scan() and saved back
// when it returns. scan() never calls out, so these cannot be trampled.
/** The index after the last PUT (Field.NEXT_PUT). */
let nextPut: u32 = 0;
let inputFinal = false;
let pos: u32 = 0;
let record: usize = 0;
/** How the memo stores so far bound their indices, whether the load is small, and whether a GET was met (Field.MEMO_ORDER: KeyOrders.MEMOIZED, UNORDERED, SMALL, GOT). */
let memoOrder: u32 = 0;
let strCache: usize = 0;
/** The string cache's lookups and hits since its verdict, and the short strs it is still to pass by (StrCache.PROBE). */
let cacheLookups: u32 = 0;
let cacheHits: u32 = 0;
let cacheSkips: u32 = 0;
/** The session's area of decoded strs, and the units the tape's records took of it (StrUnits). */
let unitArea: usize = 0;
let unitsUsed: u32 = 0;

/** Sentinel that handlers return to keep scanning. */
const CONTINUE = -1;

function fail(error: ScanError, opPos: u32): i32 {
  setField(Field.ERROR, error);
  setField(Field.ERROR_POS, opPos);
  // The opcode may have left the window (a long str); JS names it from its own copy of the input.
  setField(Field.ERROR_OP, opPos >= windowStart && opPos < windowEnd ? byte(opPos) : 0);
  pos = opPos;
  return Status.ERROR;
}

/** Asks the driver for input from `from` on, at least `need` bytes of it. */
function needInput(from: u32, need: u64): i32 {
  pos = from;
  setField(Field.NEED, need > 0xffffffff ? 0xffffffff : <u32>need);
  return Status.NEED_INPUT;
}

/**
 * Are the bytes up to `end` in the window? If not: more input (resume at the
 * opcode) or, when the input ends before `end`, the error TRUNCATED.
 */
@inline function require(opPos: u32, end: u64): i32 {
  if (end <= <u64>windowEnd) return CONTINUE;
  if (end > <u64>inputEnd && inputFinal) return fail(ScanError.TRUNCATED, opPos);
  return needInput(opPos, end - opPos);
}

/** A payload that JS reads from its own copy of the input: it must only exist. */
function requirePayload(opPos: u32, end: u64): i32 {
  if (end <= <u64>inputEnd) return CONTINUE;
  if (inputFinal) return fail(end > 0xffffffff ? ScanError.TOO_LARGE : ScanError.TRUNCATED, opPos);
  return needInput(opPos, end - opPos);
}

// Runs of numbers: a MARK, NUMBER (and INT64) records only, APPENDS, TUPLE or
// SETITEMS — flagged on the MARK (and, without INT64, on the EMPTY_LIST an
// APPENDS fills or the EMPTY_DICT a SETITEMS fills, right before the MARK)
// so that the replay moves the numbers straight into the list, tuple or dict,
// or makes the list or dict with them. Tracked within one tape (a run it
// cuts is left unflagged): while JS drives the scan of a tape, between
// refills of the window, no other scan runs.
let runMark: usize = 0;
let runLength: u32 = 0;
let runWithInt64 = false;
let runContainer: usize = 0;
/** The last EMPTY_LIST or EMPTY_DICT, while only PUT / MEMOIZE follow it. */
let openContainer: usize = 0;
/** The last MARK right after an EMPTY_DICT (past its memo stores), until a SETITEMS: the body that SETITEMS may close (see dictBody). */
let dictMark: usize = 0;
/**
 * Notes the record just written at `at` for run tracking (numbers count
 * themselves: emitNumber, emitInt). A switch: where `kind` is a constant
 * it folds to its one case, and elsewhere it is one jump through a table,
 * where tests in turn took ~35 instructions a record.
 */
@inline function track(kind: u32, at: usize): void {
  switch (kind) {
    case Op.APPENDS: case Op.TUPLE: case Op.SETITEMS: {
      if (runMark != 0 && runLength > 0) flagRun(kind);
      runMark = runContainer = openContainer = 0;
      break;
    }
    case Op.MARK: {
      runMark = at;
      runLength = 0;
      runWithInt64 = false;
      if (openContainer != 0 && (load<u32>(openContainer) & 0xff) == Op.EMPTY_DICT) dictMark = at;
      runContainer = openContainer;
      openContainer = 0;
      break;
    }
    case Op.EMPTY_LIST: case Op.EMPTY_DICT: {
      runMark = runContainer = 0;
      openContainer = at;
      break;
    }
    case Rec.PUT: case Op.MEMOIZE: {
      runMark = runContainer = 0;
      break;
    }
    default: runMark = runContainer = openContainer = 0;
  }
}

/** The run of numbers since runMark ends with `kind` (APPENDS, TUPLE or SETITEMS): flagged on its MARK, and on the container it fills. */
function flagRun(kind: u32): void {
  const flags = RunFlag.NUMBERS | (runWithInt64 ? RunFlag.WITH_INT64 : 0) |
    (kind == Op.TUPLE ? RunFlag.TUPLE : 0) | (kind == Op.SETITEMS ? RunFlag.SETITEMS : 0);
  store<u32>(runMark, Op.MARK | (flags << Layout.FLAGS_SHIFT));
  store<u32>(runMark, runLength, 12);
  if (runContainer != 0 && !runWithInt64) {
    const container = load<u32>(runContainer);
    const fills = kind == Op.APPENDS ? Op.EMPTY_LIST : kind == Op.SETITEMS ? Op.EMPTY_DICT : 0;
    if ((container & 0xff) == fills) store<u32>(runContainer, container | (RunFlag.FILLED_BY_RUN << Layout.FLAGS_SHIFT));
  }
}

/** Writes a record at `at` (the caller moves `record` past it). */
@inline function writeRecord(at: usize, kind: u32, opPos: u32, a: u32, b: u32): void {
  store<u32>(at, kind);
  store<u32>(at, opPos, 4);
  store<u32>(at, a, 8);
  store<u32>(at, b, 12);
  track(kind & 0xff, at);
}

@inline function emit(kind: u32, opPos: u32, a: u32, b: u32): void {
  writeRecord(record, kind, opPos, a, b);
  record += Layout.RECORD_BYTES;
}

function emitGet(opPos: u32, index: u32): void {
  emit(Rec.GET, opPos, index, 0);
  memoOrder |= KeyOrders.GOT;
}

@inline function writeNumber(at: usize, opPos: u32, value: f64): void {
  store<u32>(at, Rec.NUMBER);
  store<u32>(at, opPos, 4);
  store<f64>(at, value, 8);
}

// Number records count themselves into the run (track(), inlined: numbers are most records of large pickles).

@inline function emitNumber(opPos: u32, value: f64): void {
  writeNumber(record, opPos, value);
  record += Layout.RECORD_BYTES;
  runLength++;
}

/** An int's record at `at`: NUMBER within ±(2^53 − 1), else INT64. */
function writeInt(at: usize, opPos: u32, value: i64): void {
  if (value >= -MAX_SAFE_INTEGER && value <= MAX_SAFE_INTEGER) {
    writeNumber(at, opPos, <f64>value);
    return;
  }
  store<u32>(at, Rec.INT64);
  store<u32>(at, opPos, 4);
  store<i64>(at, value, 8);
  runWithInt64 = true;
}

function emitInt(opPos: u32, value: i64): void {
  writeInt(record, opPos, value);
  record += Layout.RECORD_BYTES;
  runLength++;
}

/** The value of the BINFLOAT, BININT, BININT1 or BININT2 at `op` (`code`: a constant where this is inlined, so the switch folds away). */
@inline function fixedNumber(code: u32, op: usize): f64 {
  switch (code) {
    case Op.BINFLOAT: return loadBigEndianF64(op + 1);
    case Op.BININT: return <f64>load<i32>(op, 1);
    case Op.BININT1: return <f64>load<u8>(op, 1);
    default: return <f64>load<u16>(op, 1); // BININT2
  }
}

/**
 * BINFLOAT, BININT, BININT1, BININT2 and LONG1 up to 8 bytes (the bulk of
 * numeric data) at `op` (the opcode's address, its position opPos): writes
 * the record at `at` if the opcode is one of them; the opcode's bytes must be
 * in the window (10 bytes for LONG1). Returns the argument's size, or 0 for
 * any other opcode.
 */
@inline function writeFixedNumber(at: usize, op: usize, opPos: u32): u32 {
  switch (<u32>load<u8>(op)) {
    case Op.LONG1: {
      const n = <u32>load<u8>(op, 1);
      if (n > 8) return 0;
      writeInt(at, opPos, littleEndian(op + 2, n));
      return 1 + n;
    }
    case Op.BINFLOAT: writeNumber(at, opPos, fixedNumber(Op.BINFLOAT, op)); return 8;
    case Op.BININT: writeNumber(at, opPos, fixedNumber(Op.BININT, op)); return 4;
    case Op.BININT1: writeNumber(at, opPos, fixedNumber(Op.BININT1, op)); return 1;
    case Op.BININT2: writeNumber(at, opPos, fixedNumber(Op.BININT2, op)); return 2;
    default: return 0;
  }
}

/**
 * Records for the opcode `code` (BINFLOAT, BININT, BININT1 or BININT2, of
 * `size` bytes of argument) at `op` and each same opcode right after it, at
 * most `tapeRoom` records and while 10 bytes of window are left at the
 * opcode (`windowRoom`: the window's bytes from `op`); returns how many. A
 * list's numbers are mostly of one opcode (1M floats, the ints of a range):
 * each is then an opcode compare, not scanRun's dispatch.
 */
@inline function sameNumbers(code: u32, size: u32, op: usize, at: usize, opPos: u32, tapeRoom: usize, windowRoom: usize): usize {
  const max = min(tapeRoom, (windowRoom - 10) / (1 + size) + 1);
  let n: usize = 0;
  while (true) {
    writeNumber(at, opPos, fixedNumber(code, op));
    op += 1 + size;
    opPos += 1 + size;
    at += Layout.RECORD_BYTES;
    // two branches (as `n < max && …`, binaryen makes a flag of the first and tests it: 5 x64 instructions more)
    if (++n == max) break;
    if (<u32>load<u8>(op) != code) break;
  }
  return n;
}

/** Is `code` BINFLOAT, BININT, BININT1 or BININT2 (bits 0, 3, 4 and 6 from 'G'), a number of fixed size (LONG1's varies)? */
@inline function isFixedNumber(code: u32): bool {
  const bit = code - Op.BINFLOAT;
  return bit < 7 && ((0b1011001 >> bit) & 1) != 0;
}

/**
 * After a MARK, at `op` (position opPos): the records of the numbers there if
 * they begin with two of one BINFLOAT, BININT, BININT1 or BININT2 (sameNumbers,
 * with the tape's records from `at` to `tapeEnd` and the window up to
 * `end`); returns how many, or 0. Inlined into scanRun, its one caller: the
 * call and its prologue were ~40 instructions a batch (the list of lists'
 * load 109.9k -> 105.8k, 100 dicts' 329.0k -> 323.4k).
 */
@inline function batchOfOneNumberOpcode(op: usize, at: usize, opPos: u32, tapeEnd: usize, end: u32): usize {
  const code = <u32>load<u8>(op);
  if (!isFixedNumber(code) || opPos + 10 > end || at >= tapeEnd) return 0;
  const tapeRoom = (tapeEnd - at) / Layout.RECORD_BYTES;
  const windowRoom = <usize>(end - opPos);
  switch (code) {
    case Op.BINFLOAT: return load<u8>(op, 9) == code ? sameNumbers(Op.BINFLOAT, 8, op, at, opPos, tapeRoom, windowRoom) : 0;
    case Op.BININT: return load<u8>(op, 5) == code ? sameNumbers(Op.BININT, 4, op, at, opPos, tapeRoom, windowRoom) : 0;
    case Op.BININT1: return load<u8>(op, 2) == code ? sameNumbers(Op.BININT1, 1, op, at, opPos, tapeRoom, windowRoom) : 0;
    default: return load<u8>(op, 3) == code ? sameNumbers(Op.BININT2, 2, op, at, opPos, tapeRoom, windowRoom) : 0;
  }
}

@inline function emitFixedNumber(opPos: u32): u32 {
  const size = writeFixedNumber(record, at(opPos), opPos);
  if (size != 0) {
    record += Layout.RECORD_BYTES;
    runLength++;
  }
  return size;
}

/** The line starting at `from` is not all in the window: more input, or TRUNCATED. */
function lineUnfinished(opPos: u32): i32 {
  if (windowEnd >= inputEnd && inputFinal) return fail(ScanError.TRUNCATED, opPos);
  return needInput(opPos, <u64>(windowEnd - opPos) + 1);
}

/** Little-endian two's complement integer of n <= 8 bytes at p (the window's slack keeps 8 bytes readable). */
@inline function littleEndian(p: usize, n: u32): i64 {
  if (n == 0) return 0;
  const unused = <u64>(64 - n * 8);
  return (<i64>(load<u64>(p) << unused)) >> unused;
}

function startString(kind: u32, opPos: u32, start: u32, length: u64): i32 {
  const end = <u64>start + length;
  if (end > <u64>inputEnd && inputFinal) {
    return fail(end > 0xffffffff ? ScanError.TOO_LARGE : ScanError.TRUNCATED, opPos);
  }
  if (end > 0xffffffff) return fail(ScanError.TOO_LARGE, opPos);
  setField(Field.STR_KIND, kind);
  setField(Field.STR_OP_POS, opPos);
  setField(Field.STR_START, start);
  setField(Field.STR_END, <u32>end);
  setField(Field.STR_FLAGS, StrFlag.ASCII | StrFlag.LATIN1);
  pos = start;
  return continueString();
}

/** Classifies as much of the pending string as the window holds. */
function continueString(): i32 {
  const kind = field(Field.STR_KIND);
  const opPos = field(Field.STR_OP_POS);
  const end = field(Field.STR_END);
  const stop = end < windowEnd ? end : windowEnd;
  if (pos < stop) {
    const reached = classify(at(pos), at(stop), field(Field.STR_FLAGS), stop == end);
    pos += <u32>(reached - at(pos));
    setField(Field.STR_FLAGS, classifiedFlags);
  }
  const flags = field(Field.STR_FLAGS);
  if (kind == Rec.STR && (flags & StrFlag.INVALID) != 0) return fail(ScanError.BAD_UTF8, opPos);
  if (pos < end) {
    if (end > inputEnd && inputFinal) return fail(ScanError.TRUNCATED, opPos);
    return needInput(pos, end - pos < 4 ? end - pos : 4);
  }
  emitString(kind, opPos, field(Field.STR_START), end, flags);
  setField(Field.STR_KIND, 0);
  return CONTINUE;
}

/** The record of a classified string payload [start, end). */
function emitString(kind: u32, opPos: u32, start: u32, end: u32, flags: u32): void {
  const length = end - start;
  // A short ASCII str still all in the window goes through the cache, so that JS can reuse the string it made.
  if (kind == Rec.STR && (flags & StrFlag.ASCII) != 0 && length <= <u32>StrCache.MAX_LENGTH && start >= windowStart) {
    flags |= cachedStr(at(start), length);
  }
  emit(kind | (flags << Layout.FLAGS_SHIFT), opPos, start, length);
}

/**
 * SHORT_BINUNICODE or BINUNICODE whose payload is all in the window and valid:
 * classified and written here, without the resumable path's session fields
 * (most strs of a pickle are short). Returns the bytes it took, or 0 to leave
 * the opcode to step(); its opcode byte and length must be in the window.
 */
@inline function emitStringInWindow(op: u32, opPos: u32): u32 {
  let start: u32;
  let length: u32;
  if (op == Op.SHORT_BINUNICODE) {
    start = opPos + 2;
    length = byte(opPos + 1);
  } else if (op == Op.BINUNICODE) {
    start = opPos + 5;
    length = load<u32>(at(opPos + 1));
  } else {
    return 0;
  }
  if (<u64>start + length > <u64>windowEnd) return 0;
  const end = start + length;
  // most strs are short ASCII ones (dict keys): the cache's pass over their words also finds them ASCII
  const cached = length <= <u32>StrCache.MAX_LENGTH ? cachedStr(at(start), length) : 0;
  if (cached != 0) {
    emit(Rec.STR | ((StrFlag.ASCII | StrFlag.LATIN1 | cached) << Layout.FLAGS_SHIFT), opPos, start, length);
    return end - opPos;
  }
  // (the cache has had its say) a short str is decoded for JS here, and checked as it is
  if (length <= <u32>StrUnits.MAX_BYTES && unitsUsed + length <= <u32>StrUnits.AREA_UNITS) {
    const units = decodeStr(at(start), at(end), unitArea + (<usize>unitsUsed << 1));
    if (units == NOT_UTF8) return 0;
    emit(Rec.STR_UNITS, opPos, <u32>(unitArea >> 1) + unitsUsed, units);
    unitsUsed += units;
    return end - opPos;
  }
  classify(at(start), at(end), StrFlag.ASCII | StrFlag.LATIN1, true);
  if (classifiedFlags & StrFlag.INVALID) return 0;
  emit(Rec.STR | (classifiedFlags << Layout.FLAGS_SHIFT), opPos, start, length);
  return end - opPos;
}

/**
 * cacheLookup(p, n) while the cache pays in this load: it gives its verdict
 * every StrCache.PROBE lookups, and when too few hit, the next
 * StrCache.SKIP short strs are made anew without one; of those it says
 * StrFlag.ASCII (no cache flag) if they are ASCII, else 0, so that the
 * caller need not classify them (200k distinct strs: ~100 instructions a
 * str fewer).
 */
function cachedStr(p: usize, n: u32): u32 {
  if (cacheSkips > 0) {
    cacheSkips--;
    let bits: u64 = 0;
    for (let i: u32 = 0; i < n; i += 8) bits |= wordOf(p, i, n);
    return bits & HIGH_BITS ? 0 : StrFlag.ASCII;
  }
  const flags = cacheLookup(p, n);
  if (flags == 0) return 0; // not ASCII: no lookup made
  if (flags & StrFlag.CACHE_HIT) cacheHits++;
  if (++cacheLookups == <u32>StrCache.PROBE) {
    if (cacheHits < <u32>StrCache.PROBE / 8) cacheSkips = StrCache.SKIP;
    cacheLookups = cacheHits = 0;
  }
  return flags;
}

/**
 * Looks up the n (at most StrCache.MAX_LENGTH) bytes at p in the session's
 * string cache: CACHE_HIT and their slot when that slot holds them, else
 * CACHE_STORE and the slot, which now holds them; 0 (and nothing done) when
 * they are not all ASCII.
 */
@inline function cacheLookup(p: usize, n: u32): u32 {
  let h: u64 = n;
  let bits: u64 = 0;
  for (let i: u32 = 0; i < n; i += 8) {
    const word = wordOf(p, i, n);
    bits |= word;
    h = mixWord(h, word);
  }
  if (bits & HIGH_BITS) return 0;
  const hash = foldHash(h);
  const slot = slotOf(hash, ctz<u32>(StrCache.SLOTS));
  const entry = strCache + <usize>slot * StrCache.ENTRY_BYTES;
  // the key: the hash's bits below the slot's, the length and a bit that marks the slot used
  const key = (hash << ctz<u32>(StrCache.SLOTS)) | (n << 1) | 1;
  if (load<u32>(entry) == key) {
    let i: u32 = 0;
    while (i < n && wordOf(p, i, n) == load<u64>(entry + 8 + i)) i += 8;
    if (i >= n) return StrFlag.CACHE_HIT | (slot << StrCache.SLOT_SHIFT);
  }
  store<u32>(entry, key);
  for (let i: u32 = 0; i < n; i += 8) store<u64>(entry + 8 + i, wordOf(p, i, n));
  return StrFlag.CACHE_STORE | (slot << StrCache.SLOT_SHIFT);
}

/**
 * A PUT at `index` (before nextPut moves past it): while PUTs go 0, 1, 2, …
 * and no MEMOIZE came before (MEMOIZE binds the memo's size: a PUT's next
 * index may be bound), no index is bound twice (see KeyOrders). Any flag
 * already set but GOT counts as such a MEMOIZE: folding is off then, or
 * about to be.
 */
@inline function notePut(index: u32): void {
  if (index != nextPut || (memoOrder & ~KeyOrders.GOT) != 0) memoOrder |= KeyOrders.UNORDERED;
}

/** A PUT record; the next PUT at index + 1 may be folded (wrapping as the replay's counter does). */
function emitPut(opPos: u32, index: u32): void {
  notePut(index);
  emit(Rec.PUT, opPos, index, 0);
  nextPut = index + 1;
}

/** SETITEMS' record at `at`, or its body folded below it (dictBody); returns the address after the record. */
function writeSetItems(at: usize, opPos: u32): usize {
  const mark = runMark == 0 ? dictMark : 0; // (a run of numbers is flagged, not folded: flagRun)
  dictMark = 0;
  const to = dictBody(mark, at, (memoOrder & (KeyOrders.UNORDERED | KeyOrders.SMALL)) == 0);
  writeRecord(to, bodyKind, opPos, bodyA, bodyB);
  return to + Layout.RECORD_BYTES;
}

/** A BINPUT or LONG_BINPUT at the next index, folded into the record before `next` (see fold); the bytes taken, or 0. */
@inline function foldPut(tape: usize, next: usize, index: u32, size: u32): u32 {
  if (index != nextPut || !fold(tape, next, MemoFlag.PUT_NEXT)) return 0;
  notePut(index);
  nextPut = index + 1;
  return size;
}

/**
 * The bytes of the MEMOIZE, or BINPUT or LONG_BINPUT at the next index, at
 * `op` (with `room` bytes of window from it), folded into the record before
 * `next`; 0 if there is none there, or it cannot be folded (step() then
 * writes a PUT record, or MEMOIZE's own).
 */
@inline function foldStoreAfter(tape: usize, next: usize, op: usize, room: u32): u32 {
  if (room < 5) return 0;
  switch (<u32>load<u8>(op)) {
    case Op.MEMOIZE: {
      if (!fold(tape, next, MemoFlag.MEMOIZED)) return 0;
      memoOrder |= KeyOrders.MEMOIZED;
      return 1;
    }
    case Op.BINPUT: return foldPut(tape, next, load<u8>(op, 1), 2);
    case Op.LONG_BINPUT: return foldPut(tape, next, load<u32>(op, 1), 5);
    default: return 0;
  }
}

/**
 * Folds a memo store (`flag`: MemoFlag) into the record before `next` when
 * that record is in this tape chunk and pushes one value that nothing skips
 * over (not a number, which a flagged run of numbers skips). True when folded.
 */
@inline function fold(tape: usize, next: usize, flag: u32): bool {
  if (next == tape) return false;
  const previous = next - Layout.RECORD_BYTES;
  const head = load<u32>(previous);
  if (head & ((MemoFlag.MEMOIZED | MemoFlag.PUT_NEXT) << Layout.FLAGS_SHIFT)) return false; // one store a record
  switch (head & 0xff) {
    case Rec.STR: case Rec.STR_UNITS: case Rec.BYTES: case Rec.BYTEARRAY: case Op.EMPTY_LIST: case Op.EMPTY_DICT: case Op.EMPTY_SET:
    case Op.EMPTY_TUPLE: case Op.TUPLE: case Op.TUPLE1: case Op.TUPLE2: case Op.TUPLE3: case Op.FROZENSET:
    case Op.STACK_GLOBAL: case Op.REDUCE: case Op.NEWOBJ: case Op.NEWOBJ_EX:
      store<u32>(previous, head | (flag << Layout.FLAGS_SHIFT));
      return true;
    default:
      return false;
  }
}

/**
 * The opcodes most of a pickle is made of — numbers, memo stores folded into
 * the record before them, memo fetches, opcodes without argument (STOP aside),
 * strs in the window — with the position, the record and the run's count in locals: V8
 * keeps wasm globals in memory, a load or store at each use. Stops at any
 * other opcode, a full tape, or 10 bytes before the window's end (the longest
 * fixed-size one, LONG1 of 8 bytes; a str checks its own end).
 */
function scanRun(tape: usize, tapeEnd: usize): void {
  let p = pos;
  let next = record;
  let numbers = runLength;
  const end = windowEnd;
  const input = inputBase();
  const handles = changetype<usize>(handleOf); // (unchecked(handleOf[code]) notes the array on the shadow stack)
  while (next < tapeEnd && p + 10 <= end) {
    const op = input + p;
    const size = writeFixedNumber(next, op, p);
    if (size != 0) {
      next += Layout.RECORD_BYTES;
      p += 1 + size;
      numbers++;
      continue;
    }
    runLength = numbers; // (track() reads and resets it)
    const code = <u32>load<u8>(op);
    let taken: u32 = 0;
    switch (<u32>load<u8>(handles + code)) {
      case Handle.STORE: {
        taken = foldStoreAfter(tape, next, op, end - p);
        break;
      }
      case Handle.GET: { // the keys of all dicts of a shape but the first
        const short = code == Op.BINGET;
        writeRecord(next, Rec.GET, p, short ? load<u8>(op, 1) : load<u32>(op, 1), 0);
        memoOrder |= KeyOrders.GOT;
        next += Layout.RECORD_BYTES;
        taken = short ? 2 : 5;
        break;
      }
      case Handle.MARK: {
        writeRecord(next, Op.MARK, p, 0, 0); // (track() starts the run's count)
        next += Layout.RECORD_BYTES;
        // a batch of numbers of one opcode (a list of floats, a range's ints): in a loop of their own. Tested
        // here, not after each number, where binaryen's flags for the test cost 1M ints of mixed opcodes 45% more
        const repeated = batchOfOneNumberOpcode(op + 1, next, p + 1, tapeEnd, end);
        next += repeated * Layout.RECORD_BYTES;
        taken = 1 + <u32>(repeated * (1 + <usize>load<u8>(changetype<usize>(argSizeOf) + load<u8>(op, 1))));
        runLength += <u32>repeated;
        // and the APPENDS or TUPLE that most such batches end with, with its memo store, in the same step
        // (sameNumbers stops a byte short of the window's end at most)
        const closing = <u32>load<u8>(op + taken);
        if (repeated != 0 && next < tapeEnd && (closing == Op.APPENDS || closing == Op.TUPLE)) {
          writeRecord(next, closing, p + taken, 0, 0);
          next += Layout.RECORD_BYTES;
          taken += 1 + foldStoreAfter(tape, next, op + taken + 1, end - p - taken - 1);
        }
        break;
      }
      case Handle.NO_ARGUMENT: {
        writeRecord(next, code, p, 0, 0);
        next += Layout.RECORD_BYTES;
        // the memo store of a new container (EMPTY_LIST, TUPLE, …) in the same step, not the next
        taken = 1 + foldStoreAfter(tape, next, op + 1, end - p - 1);
        break;
      }
      case Handle.SETITEMS: {
        next = writeSetItems(next, p);
        taken = 1;
        break;
      }
      case Handle.STR: {
        record = next; // (emitStringInWindow writes at record)
        taken = emitStringInWindow(code, p);
        next = record;
        // pickle memoizes every str: its MEMOIZE (protocol 4+) or BINPUT / LONG_BINPUT at the next index
        // (protocols 1-3) is folded in the same step, not the next
        if (taken != 0) taken += foldStoreAfter(tape, next, op + taken, end - p - taken);
        break;
      }
      default: break; // Handle.STEP
    }
    numbers = runLength;
    if (taken == 0) break;
    p += taken;
  }
  pos = p;
  record = next;
  runLength = numbers;
}

/** Reads one opcode at `pos` and writes its record, if it makes one. */
function step(): i32 {
  const opPos = pos;
  if (opPos >= windowEnd) {
    if (opPos >= inputEnd && inputFinal) return fail(ScanError.TRUNCATED, opPos);
    return needInput(opPos, 1);
  }
  const op = byte(opPos);
  const kind = <u32>unchecked(argKindOf[op]);
  if (kind == UNKNOWN) return fail(ScanError.UNKNOWN_OPCODE, opPos);
  const argPos = opPos + 1;
  const size = <u32>unchecked(argSizeOf[op]);
  let status = require(opPos, <u64>argPos + size);
  if (status != CONTINUE) return status;
  pos = argPos + size;

  switch (kind) {
    case Arg.NONE: {
      if (op == Op.SETITEMS) {
        record = writeSetItems(record, opPos);
        return CONTINUE;
      }
      if (op == Op.MEMOIZE) memoOrder |= KeyOrders.MEMOIZED;
      emit(op, opPos, 0, 0);
      return op == Op.STOP ? Status.STOPPED : CONTINUE;
    }
    case Arg.UINT1:
    case Arg.UINT2:
    case Arg.UINT4:
    case Arg.INT4: {
      if (emitFixedNumber(opPos) != 0) return CONTINUE;
      const value: u32 = size == 1 ? byte(argPos) : size == 2 ? load<u16>(at(argPos)) : load<u32>(at(argPos));
      switch (op) {
        case Op.PROTO: {
          if (value > HIGHEST_PROTOCOL) return fail(ScanError.UNSUPPORTED_PROTOCOL, opPos);
          emit(op, opPos, value, 0);
          break;
        }
        case Op.BINGET: case Op.LONG_BINGET: emitGet(opPos, value); break;
        case Op.BINPUT: case Op.LONG_BINPUT: emitPut(opPos, value); break;
        default: emit(Rec.EXT, opPos, value, 0); // EXT1, EXT2, EXT4
      }
      return CONTINUE;
    }
    case Arg.UINT8: { // FRAME: a hint, as in CPython's C unpickler; the frame must exist.
      const length = load<u64>(at(argPos));
      return requirePayload(opPos, <u64>pos + length > <u64>pos ? <u64>pos + length : U64.MAX_VALUE);
    }
    case Arg.FLOAT8: {
      emitFixedNumber(opPos);
      return CONTINUE;
    }
    case Arg.LONG1:
    case Arg.LONG4: {
      const n = size == 1 ? byte(argPos) : load<u32>(at(argPos));
      if (size == 4 && <i32>n < 0) return fail(ScanError.NEGATIVE_LENGTH, opPos);
      if (n > 8) {
        status = requirePayload(opPos, <u64>pos + n);
        if (status != CONTINUE) return status;
        emit(Rec.BIGINT_BYTES, opPos, pos, n);
      } else {
        status = require(opPos, <u64>pos + n);
        if (status != CONTINUE) return status;
        emitInt(opPos, littleEndian(at(pos), n));
      }
      pos += n;
      return CONTINUE;
    }
    case Arg.STRING1:
    case Arg.STRING4:
    case Arg.UNICODESTRING1:
    case Arg.UNICODESTRING4:
    case Arg.UNICODESTRING8: {
      const length: u64 = size == 1 ? <u64>byte(argPos) : size == 4 ? <u64>load<u32>(at(argPos)) : load<u64>(at(argPos));
      if (op == Op.BINSTRING && <i32>length < 0) return fail(ScanError.NEGATIVE_LENGTH, opPos);
      const isStr = kind != Arg.STRING1 && kind != Arg.STRING4;
      return startString(isStr ? Rec.STR : Rec.PY2STR, opPos, pos, length);
    }
    case Arg.BYTES1:
    case Arg.BYTES4:
    case Arg.BYTES8:
    case Arg.BYTEARRAY8: {
      const length: u64 = size == 1 ? <u64>byte(argPos) : size == 4 ? <u64>load<u32>(at(argPos)) : load<u64>(at(argPos));
      const end = <u64>pos + length;
      status = requirePayload(opPos, end < <u64>pos ? U64.MAX_VALUE : end);
      if (status != CONTINUE) return status;
      emit(kind == Arg.BYTEARRAY8 ? Rec.BYTEARRAY : Rec.BYTES, opPos, pos, <u32>length);
      pos = <u32>end;
      return CONTINUE;
    }
    default:
      return textArgument(op, kind, opPos, argPos);
  }
}

/** The newline-terminated arguments of protocol 0. */
function textArgument(op: u32, kind: u32, opPos: u32, argPos: u32): i32 {
  const newline = findNewline(argPos);
  if (newline < 0) return lineUnfinished(opPos);
  const lineEnd = <u32>newline;
  const length = lineEnd - argPos;
  pos = lineEnd + 1;
  switch (kind) {
    case Arg.DECIMALNL_SHORT:
    case Arg.DECIMALNL_LONG: {
      let end = lineEnd;
      if (kind == Arg.DECIMALNL_LONG && end > argPos && byte(end - 1) == 0x4c) end--; // Python 2's 123L
      const parsed = parseDecimal(at(argPos), at(end));
      if (parsed == Parsed.INVALID) return fail(ScanError.BAD_INT, opPos);
      if (op == Op.INT && length == 2 && byte(argPos) == 0x30 && byte(argPos + 1) <= 0x31) {
        emit(byte(argPos + 1) == 0x31 ? Rec.TRUE : Rec.FALSE, opPos, 0, 0); // INT 01 / 00: True / False
      } else if (op == Op.GET || op == Op.PUT) {
        if (parsed != Parsed.OK || parsedInt < 0 || parsedInt > 0xffffffff) return fail(ScanError.BAD_MEMO_INDEX, opPos);
        if (op == Op.GET) emitGet(opPos, <u32>parsedInt);
        else emitPut(opPos, <u32>parsedInt);
      } else if (parsed == Parsed.OK) {
        emitInt(opPos, parsedInt);
      } else {
        emit(Rec.BIGINT_TEXT, opPos, argPos, end - argPos);
      }
      return CONTINUE;
    }
    case Arg.FLOATNL: {
      const parsed = parseFloatText(at(argPos), at(lineEnd));
      if (parsed == Parsed.INVALID) return fail(ScanError.BAD_FLOAT, opPos);
      if (parsed == Parsed.OK) emitNumber(opPos, parsedFloat);
      else emit(Rec.FLOAT_TEXT, opPos, argPos, length);
      return CONTINUE;
    }
    case Arg.STRINGNL: {
      const quote = length >= 2 ? byte(argPos) : 0;
      if ((quote != 0x27 && quote != 0x22) || byte(lineEnd - 1) != quote) return fail(ScanError.BAD_QUOTES, opPos);
      emit(Rec.PY2STR_QUOTED, opPos, argPos + 1, length - 2);
      return CONTINUE;
    }
    case Arg.UNICODESTRINGNL: {
      emit(Rec.UNICODE_RAW, opPos, argPos, length);
      return CONTINUE;
    }
    case Arg.STRINGNL_NOESCAPE_PAIR: { // GLOBAL, INST: module line, then name line
      if (findNewline(pos) < 0) return lineUnfinished(opPos);
      pos = <u32>findNewline(pos) + 1;
      emit(op, opPos, argPos, length);
      return CONTINUE;
    }
    default: { // PERSID
      emit(op, opPos, argPos, length);
      return CONTINUE;
    }
  }
}

/**
 * The tape is full. A run of numbers it cuts would be replayed a value at
 * a time, each pushed onto the stack (the 1M floats: a batch a tape, 6% of
 * the numbers, ~15% of the load's instructions), so one that began after the
 * tape's first record is put back: its MARK and numbers are read again,
 * into the next tape. (Only numbers follow a run's MARK: nothing else was
 * done that a second reading would do twice.)
 */
function endTape(tape: usize): void {
  if (runMark <= tape) return;
  record = runMark;
  pos = load<u32>(runMark, 4);
  runMark = 0;
}

/** Scans the session's window until the tape is full, STOP, more input is needed, or an error. */
export function scan(s: usize): i32 {
  useSession(s);
  useWindow();
  inputFinal = field(Field.INPUT_FINAL) != 0;
  pos = field(Field.POS);
  nextPut = field(Field.NEXT_PUT);
  strCache = field(Field.STR_CACHE);
  cacheLookups = field(Field.CACHE_LOOKUPS);
  cacheHits = field(Field.CACHE_HITS);
  cacheSkips = field(Field.CACHE_SKIPS);
  memoOrder = field(Field.MEMO_ORDER);
  useKeyOrders();
  const tape = <usize>field(Field.TAPE);
  // On from the records JS has not replayed yet (the same tape, after a refill of the window: a run goes on)
  const replayed = field(Field.TAPE_LEN) == 0;
  record = tape + <usize>field(Field.TAPE_LEN) * Layout.RECORD_BYTES;
  if (replayed) runMark = runContainer = openContainer = dictMark = 0;
  unitArea = field(Field.UNITS);
  unitsUsed = replayed ? 0 : field(Field.UNITS_USED);
  const tapeEnd = tape + <usize>field(Field.TAPE_CAP) * Layout.RECORD_BYTES;
  // (a run put back into the input (endTape) may start before the window)
  let status = pos < windowStart ? needInput(pos, 1) : field(Field.STR_KIND) != 0 ? continueString() : CONTINUE;
  while (status == CONTINUE) {
    if (record >= tapeEnd) {
      endTape(tape);
      status = Status.TAPE_FULL;
    } else if (pos + 10 <= windowEnd) {
      // the common opcodes skip step()'s general dispatch: 1M floats scan in a third of the time
      scanRun(tape, tapeEnd);
      if (record < tapeEnd && pos + 10 <= windowEnd) status = step();
    } else {
      status = step();
    }
  }
  setField(Field.POS, pos);
  setField(Field.NEXT_PUT, nextPut);
  setField(Field.CACHE_LOOKUPS, cacheLookups);
  setField(Field.CACHE_HITS, cacheHits);
  setField(Field.CACHE_SKIPS, cacheSkips);
  setField(Field.MEMO_ORDER, memoOrder);
  setField(Field.UNITS_USED, unitsUsed);
  saveKeyOrders();
  setField(Field.TAPE_LEN, <u32>((record - tape) / Layout.RECORD_BYTES));
  return status;
}

/** Why the last scan() failed, in words (the driver adds opcode and offset). */
export function errorReason(s: usize): string {
  useSession(s);
  switch (field(Field.ERROR)) {
    case ScanError.TRUNCATED: return "pickle data was truncated";
    case ScanError.UNKNOWN_OPCODE: return "invalid load key, '\\x" + (field(Field.ERROR_OP) < 16 ? "0" : "") + field(Field.ERROR_OP).toString(16) + "'";
    case ScanError.UNSUPPORTED_PROTOCOL: return "unsupported pickle protocol";
    case ScanError.BAD_INT: return "invalid literal for an integer";
    case ScanError.BAD_FLOAT: return "could not convert string to float";
    case ScanError.NEGATIVE_LENGTH: return "negative byte count";
    case ScanError.BAD_UTF8: return "invalid UTF-8 in a str";
    case ScanError.BAD_QUOTES: return "the STRING opcode argument must be quoted";
    case ScanError.BAD_MEMO_INDEX: return "invalid memo index";
    case ScanError.TOO_LARGE: return "declared length exceeds the input";
    default: return "no error";
  }
}
