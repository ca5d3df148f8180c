// The writing half: JS walks the values and writes tape records (what to
// write); this writes the bytes (how), choosing each opcode's shortest form
// for the protocol, and frames the output at protocol 4+ as CPython does.
import { field, setCurrentField as setField, useSession } from "./session";
import { Op } from "../src/opcodes";
import { EncodeStatus, Field, Frame, Layout, MemoFlag, Rec, RecFlag, RunSlot, SharedStrs } from "../src/tape";
import { ADDED, NOT_SHARED, find } from "./sharedStrs";
import { storeBigEndianF64 } from "./words";

let out: usize = 0;
let len: u32 = 0;
let protocol: u32 = 0;
let arena: usize = 0;
/** The open frame's reserved header (FRAME_START, kept here during encode()). */
let frameStart: u32 = 0;
/** The index of the next memo store (Field.NEXT_PUT, kept here during encode()). */
let memoNext: u32 = 0;
/**
 * The memo stores JS has made (Field.JS_STORES), and the output index each got
 * (Field.MEMO_INDICES): JS's GETs name its own (see SharedStrs).
 */
let jsStores: u32 = 0;
let memoIndices: usize = 0;
/** The dump's stamp in the shared strs' table, and whether its strs are still looked up there (see share()). */
let stamp: u32 = 0;
let sharing = false;
let shareLookups: u32 = 0;
let shareHits: u32 = 0;
/** The next pending str's UTF-8 (Field.TEXT, kept here during encode()), and whether all of that text is ASCII. */
let text: usize = 0;
let textAscii = false;

@inline function byte(b: u32): void {
  store<u8>(out + len, b);
  len++;
}
@inline function u16le(v: u32): void {
  store<u16>(out + len, v);
  len += 2;
}
@inline function u32le(v: u32): void {
  store<u32>(out + len, v);
  len += 4;
}
@inline function u64le(v: u64): void {
  store<u64>(out + len, v);
  len += 8;
}
function copy(from: usize, n: u32): void {
  memory.copy(out + len, from, n);
  len += n;
}

/**
 * memory.copy, by words when short: V8 makes memory.copy a call out of wasm,
 * which costs more than the copy of a short str. Reads and writes up to 7 bytes
 * past n (the output's and every source's allocations end with slack; the
 * output's next bytes overwrite them).
 */
@inline function copyShort(to: usize, from: usize, n: u32): void {
  if (n > 32) memory.copy(to, from, n);
  else for (let i: u32 = 0; i < n; i += 8) store<u64>(to + i, load<u64>(from + i));
}

/** Decimal digits of v (any sign) into the output. */
function decimal(v: i64): void {
  if (v < 0) byte(0x2d);
  let magnitude: u64 = v < 0 ? <u64>(-v) : <u64>v; // i64.MIN_VALUE: -v wraps to itself, which as u64 is right
  let digits = 1;
  for (let t = magnitude; t >= 10; t /= 10) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    store<u8>(out + len + i, <u32>(magnitude % 10) + 0x30);
    magnitude /= 10;
  }
  len += digits;
}

/** An opcode with a decimal argument line (protocol 0 memo ops and INT). */
function textOp(op: u32, v: i64): void {
  byte(op);
  decimal(v);
  byte(0x0a);
}

/** The shortest binary form of a 32-bit int at p: BININT1, BININT2 or BININT; returns the bytes written. */
@inline function binaryInt32(p: usize, v: i32): u32 {
  if (<u32>v <= 0xff) {
    store<u8>(p, Op.BININT1);
    store<u8>(p, <u8>v, 1);
    return 2;
  }
  if (<u32>v <= 0xffff) {
    store<u8>(p, Op.BININT2);
    store<u16>(p, <u16>v, 1);
    return 3;
  }
  store<u8>(p, Op.BININT);
  store<u32>(p, <u32>v, 1);
  return 5;
}

/**
 * The shortest binary form of v at p: binaryInt32's (protocol 1+), LONG1
 * with the fewest two's complement bytes, as pickle.encode_long (2+).
 * Returns the bytes written; 0 if v needs a text form (protocol 1, over 32 bits).
 */
@inline function binaryInt(p: usize, v: i64): u32 {
  if (v == <i64><i32>v) return binaryInt32(p, <i32>v);
  if (protocol < 2) return 0;
  const n = <u32>(72 - clz<i64>(v < 0 ? ~v : v)) >> 3; // bits with the sign, in whole bytes
  store<u8>(p, Op.LONG1);
  store<u8>(p, n, 1);
  store<i64>(p, v, 2); // all 8 bytes: those past n are overwritten by what follows
  return 2 + n;
}

function writeInt(v: i64): void {
  const written = protocol >= 1 ? binaryInt(out + len, v) : 0;
  if (written != 0) {
    len += written;
  } else if (v >= -0x80000000 && v <= 0x7fffffff) {
    textOp(Op.INT, v);
  } else {
    byte(Op.LONG);
    decimal(v);
    byte(0x4c); // L
    byte(0x0a);
  }
}

/** NEWTRUE / NEWFALSE, or INT 01 / INT 00 before protocol 2. */
function writeBool(v: bool): void {
  if (protocol >= 2) {
    byte(v ? Op.NEWTRUE : Op.NEWFALSE);
  } else {
    byte(Op.INT);
    byte(0x30);
    byte(v ? 0x31 : 0x30);
    byte(0x0a);
  }
}

/** The opcode for a counted payload of n bytes and its length, at p (op1: 0 when there is no 1-byte form); returns the bytes written. */
@inline function countedHeader(p: usize, op1: u32, op4: u32, op8: u32, n: u32): u32 {
  if (n < 256 && op1 != 0) {
    store<u8>(p, op1);
    store<u8>(p, n, 1);
    return 2;
  }
  if (op8 == 0 || <u64>n <= 0xffffffff) {
    store<u8>(p, op4);
    store<u32>(p, n, 1);
    return 5;
  }
  store<u8>(p, op8);
  store<u64>(p, n, 1);
  return 9;
}

/** A counted payload: the opcode for its length, the length, then (unless external) the bytes. */
function counted(op1: u32, op4: u32, op8: u32, payload: usize, n: u32, external: bool): void {
  len += countedHeader(out + len, op1, op4, op8, n);
  if (!external) copy(payload, n);
}

/** A str's opcode and length at p (SHORT_BINUNICODE from protocol 4); returns the bytes written. */
@inline function strHeader(p: usize, n: u32): u32 {
  return countedHeader(p, protocol >= 4 ? Op.SHORT_BINUNICODE : 0, Op.BINUNICODE, Op.BINUNICODE8, n);
}

/** A newline-terminated text argument (protocol 0 forms); an external payload carries its own newline. */
function line(op: u32, payload: usize, n: u32, external: bool): void {
  byte(op);
  if (external) return;
  copy(payload, n);
  byte(0x0a);
}

/** BINGET / BINPUT, or their LONG_ forms, at p; returns the bytes written. */
@inline function binaryMemo(p: usize, get: bool, index: u32): u32 {
  if (index < 256) {
    store<u8>(p, get ? Op.BINGET : Op.BINPUT);
    store<u8>(p, index, 1);
    return 2;
  }
  store<u8>(p, get ? Op.LONG_BINGET : Op.LONG_BINPUT);
  store<u32>(p, index, 1);
  return 5;
}

/** A GET or PUT of the output's memo index, at the output's end. */
function writeMemo(get: bool, index: u32): void {
  if (protocol == 0) textOp(get ? Op.GET : Op.PUT, index);
  else len += binaryMemo(out + len, get, index);
}

/** The output's memo index of JS's memo store `index`. */
@inline function outputIndex(index: u32): u32 {
  return load<u32>(memoIndices + (<usize>index << 2));
}

/** Notes that JS's next memo store is the output's next; returns that index. */
@inline function takeJsStore(): u32 {
  store<u32>(memoIndices + (<usize>jsStores << 2), memoNext);
  jsStores++;
  return memoNext++;
}

/** A memo store of the value just written at the output index taken, at p (protocol 1+): MEMOIZE, or BINPUT; returns the bytes written. */
@inline function binaryStore(p: usize, index: u32): u32 {
  if (protocol < 4) return binaryMemo(p, false, index);
  store<u8>(p, Op.MEMOIZE);
  return 1;
}

/** A memo store at the output's end, any protocol. */
function writeStore(index: u32): void {
  if (protocol == 0) textOp(Op.PUT, index);
  else len += binaryStore(out + len, index);
}

/**
 * Where a SHARED str's n bytes at p stand: the output memo index of an equal
 * str this dump wrote (then written as its GET), ADDED (written with a memo
 * store at memoNext), or NOT_SHARED. Sharing stops for the rest of the dump
 * when too few of the first SharedStrs.PROBE lookups hit.
 */
function share(p: usize, n: u32): i32 {
  if (!sharing) return NOT_SHARED;
  const found = find(p, n, stamp, memoNext);
  if (found == NOT_SHARED) return found;
  if (found >= 0) shareHits++;
  if (++shareLookups == <u32>SharedStrs.PROBE) sharing = shareHits * 32 >= <u32>SharedStrs.PROBE;
  return found;
}

/** A str (protocol 1+) of n bytes at src, at p, or its GET (see share()); returns the bytes written. */
@inline function binaryStr(p: usize, src: usize, n: u32, shared: bool): u32 {
  const found = shared ? share(src, n) : NOT_SHARED;
  if (found >= 0) return binaryMemo(p, true, <u32>found);
  const header = strHeader(p, n);
  copyShort(p + header, src, n);
  return found == ADDED ? header + n + binaryStore(p + header + n, memoNext++) : header + n;
}

function writeExtension(code: u32): void {
  if (code <= 0xff) { byte(Op.EXT1); byte(code); }
  else if (code <= 0xffff) { byte(Op.EXT2); u16le(code); }
  else { byte(Op.EXT4); u32le(code); }
}

function openFrame(): void {
  if (protocol >= 4 && frameStart == <u32>Frame.NONE) {
    frameStart = len;
    len += Frame.HEADER;
  }
}

/** Does the open frame hold CPython's target (its header not counted)? */
function frameFull(): bool {
  return frameStart != <u32>Frame.NONE && len - frameStart - Frame.HEADER >= <u32>Frame.TARGET;
}

/**
 * Does this record begin a value (a save() in CPython's pickler)? CPython
 * closes a full frame only there, so a frame may end with the APPENDS and
 * MARK between two batches, or a value's MEMOIZE, never before them.
 */
function beginsValue(head: u32): bool {
  switch (head & 0xff) {
    case Rec.PUT: case Op.APPEND: case Op.APPENDS: case Op.SETITEM: case Op.SETITEMS:
    case Op.ADDITEMS: case Op.TUPLE: case Op.TUPLE1: case Op.TUPLE2: case Op.TUPLE3: case Op.LIST: case Op.DICT:
    case Op.FROZENSET: case Op.STACK_GLOBAL: case Op.REDUCE: case Op.BUILD: case Op.NEWOBJ: case Op.NEWOBJ_EX:
    case Op.READONLY_BUFFER: case Op.BINPERSID: case Op.POP: case Op.POP_MARK: case Op.STOP: case Rec.SHARED_STR:
      return false;
    case Op.MARK: case Rec.NUMBERS: return ((head >>> Layout.FLAGS_SHIFT) & RecFlag.BATCH) == 0;
    default: return true;
  }
}

/** Writes the open frame's header, or drops its reserved space if the frame is tiny. */
function commitFrame(): void {
  const start = frameStart;
  if (start == <u32>Frame.NONE) return;
  const size = len - start - Frame.HEADER;
  if (size >= <u32>Frame.MIN) {
    store<u8>(out + start, Op.FRAME);
    store<u64>(out + start + 1, size);
  } else {
    memory.copy(out + start, out + start + Frame.HEADER, size);
    len -= Frame.HEADER;
  }
  frameStart = <u32>Frame.NONE;
}

const MAX_SAFE_INTEGER: f64 = 9007199254740991;

/**
 * A NUMBER's value at p in binary (protocol 1+): binaryInt's form for an
 * int, else BINFLOAT; returns the bytes written (0: it needs text). JS has
 * one number type: as Python would read it, an integral value within
 * ±(2^53 - 1) is an int, except -0.0. The tests come in the order that
 * costs least for floats and ints of 32 bits, the commonest.
 */
@inline function binaryNumber(p: usize, v: f64): u32 {
  if (trunc(v) == v) {
    const magnitude = abs(v);
    if (magnitude <= <f64>I32.MAX_VALUE) {
      // the int's double has v's very bits unless v is -0.0 (one compare, not a test of v == 0 and its sign)
      const int = <i32>v;
      if (reinterpret<u64>(<f64>int) == reinterpret<u64>(v)) return binaryInt32(p, int);
    } else if (magnitude <= MAX_SAFE_INTEGER) {
      return binaryInt(p, <i64>v);
    }
  }
  store<u8>(p, Op.BINFLOAT);
  storeBigEndianF64(p + 1, v);
  return 9;
}

/** A NUMBER's value in any protocol. */
function writeNumber(v: f64): void {
  const written = protocol >= 1 ? binaryNumber(out + len, v) : 0;
  if (written != 0) len += written;
  else writeInt(<i64>v); // protocol 1 ints beyond 32 bits, and protocol 0 (which JS never sends a float)
}

/** Past any address: a run without int64s left (see RecFlag.INT64S). */
const NO_INT64: usize = <usize>U32.MAX_VALUE;

/** The address of the next int64 of the NUMBERS run `record` to write (its word 1), or NO_INT64. */
@inline function nextInt64(record: usize, head: u32): usize {
  const slot = load<u32>(record, 4);
  return (head & (RecFlag.INT64S << Layout.FLAGS_SHIFT)) == 0 || slot == RunSlot.NONE
    ? NO_INT64
    : record + Layout.RECORD_BYTES + (<usize>slot << 3);
}

/** The int64 at `slot` of the NUMBERS run `record` is written: word 1 points at the next (its link). */
@inline function passInt64(record: usize, slot: usize): void {
  store<u32>(record, load<u32>(slot, 8), 4);
}

/** Writes the int64 at `slot` of the NUMBERS run `record` at p (binary); returns the bytes (0: none, it needs text). */
@inline function writeRunInt64(record: usize, slot: usize, p: usize): u32 {
  const bytes = binaryInt(p, load<i64>(slot));
  if (bytes != 0) passInt64(record, slot);
  return bytes;
}

/** The most bytes binaryNumber writes: LONG1, its length and 8 bytes. */
const MAX_NUMBER_BYTES: u32 = 10;

/** The records a NUMBERS run's values take after its own. */
@inline function runRecords(record: usize): u32 {
  return (load<u32>(record, 8) + 1) >> 1;
}

/** The address of the first value of a NUMBERS run not yet written. */
@inline function nextOfRun(record: usize): usize {
  return record + Layout.RECORD_BYTES + (<usize>load<u32>(record, 12) << 3);
}

/** A NUMBERS record's head while it is a container's whole batch whose MARK is not written yet (see Rec.NUMBERS). */
const UNOPENED_BATCH: u32 = Rec.NUMBERS | (RecFlag.BATCH << Layout.FLAGS_SHIFT);

/** The elements of a run that is a batch: its numbers, or for SETITEMS their pairs. */
@inline function batchElements(record: usize): u32 {
  const n = load<u32>(record, 8);
  return load<u32>(record, 4) == Op.SETITEMS ? n >> 1 : n;
}

/** Before the first number of a run that is a batch, at p: its MARK (for two elements or more); returns the bytes written. */
@inline function openBatch(record: usize, p: usize): u32 {
  store<u32>(record, load<u32>(record) & ~(RecFlag.BATCH << Layout.FLAGS_SHIFT)); // opened: its numbers begin values now (beginsValue)
  if (batchElements(record) < 2) return 0;
  store<u8>(p, Op.MARK);
  return 1;
}

/**
 * After a run's last number, at p: the opcode that closes it, if any (APPEND,
 * SETITEM for a batch of one element), and the memo store folded into it;
 * returns the bytes written.
 */
@inline function closeRun(record: usize, p: usize): u32 {
  const closing = load<u32>(record, 4);
  if (closing == 0 || (load<u32>(record) & (RecFlag.INT64S << Layout.FLAGS_SHIFT)) != 0) return 0; // (word 1: its int64s)
  const single = closing == Op.APPENDS || closing == Op.SETITEMS ? batchElements(record) == 1 : false;
  store<u8>(p, single ? (closing == Op.APPENDS ? Op.APPEND : Op.SETITEM) : closing);
  return 1 + writeFoldedMemo(load<u32>(record), p + 1);
}

/** The memo store JS folded into a record, if any, at p (protocol 1+); returns the bytes written. */
@inline function writeFoldedMemo(flagged: u32, p: usize): u32 {
  return (flagged & FOLDED_MEMO) != 0 ? binaryStore(p, takeJsStore()) : 0;
}

/**
 * Writes the general loop's one number of a NUMBERS run, and counts it;
 * returns whether that finished the run.
 */
function writeOneOfRun(record: usize): bool {
  const slot = nextOfRun(record);
  let written = load<u32>(record, 12) + 1;
  if (slot == nextInt64(record, load<u32>(record))) {
    writeInt(load<i64>(slot));
    passInt64(record, slot);
    written++;
  } else {
    writeNumber(load<f64>(slot));
  }
  store<u32>(record, written, 12);
  return written == load<u32>(record, 8);
}

/**
 * The opcodes without argument that JS writes as records of their own (STOP
 * and the rare ones go through the general loop), as a set of 256 bits: one
 * lookup, where a switch over them was a chain of compares (NONE the 15th).
 */
const bareOpcodes = new StaticArray<u64>(4);
for (let i = 0, bare: u32[] = [
  Op.MARK, Op.EMPTY_LIST, Op.EMPTY_DICT, Op.EMPTY_TUPLE, Op.EMPTY_SET, Op.APPEND, Op.APPENDS, Op.SETITEM, Op.SETITEMS,
  Op.ADDITEMS, Op.TUPLE, Op.TUPLE1, Op.TUPLE2, Op.TUPLE3, Op.NONE, Op.STACK_GLOBAL, Op.REDUCE, Op.BUILD, Op.NEWOBJ,
]; i < bare.length; i++) {
  bareOpcodes[bare[i] >> 6] |= (<u64>1) << (bare[i] & 63);
}

@inline function isBareOpcode(kind: u32): bool {
  return ((unchecked(bareOpcodes[(kind & 0xff) >> 6]) >> (kind & 63)) & 1) != 0;
}

/**
 * Writes the run of common records from `index` at protocol 1+ — numbers,
 * strs in the arena, memo GET/PUT, bools, bare opcodes — while the window has
 * room and no full frame must close first; returns the index of the first
 * record it left to the general loop. Most records of a pickle are these: this
 * keeps the output length in a local (V8 keeps wasm globals in memory) and
 * skips the general loop's checks (1M floats: 15 -> 3 ms).
 */
function writeRun(tape: usize, index: u32, count: u32, limit: u32): u32 {
  let at = len;
  const frameEnd = frameStart == <u32>Frame.NONE ? U32.MAX_VALUE : frameStart + Frame.HEADER + <u32>Frame.TARGET;
  for (; index < count && at < limit; index++) {
    const record = tape + <usize>index * Layout.RECORD_BYTES;
    let flagged = load<u32>(record);
    if (at >= frameEnd && beginsValue(flagged)) break; // the general loop closes the frame
    if (flagged & KEY_GET) {
      at += writeKeyGet(record, out + at);
      flagged &= ~KEY_GET;
      if (at >= frameEnd) break; // the key ended the frame: it closes before the value
    }
    const head = flagged & ~FOLDED_MEMO;
    const p = out + at;
    let written: u32;
    if (head == Rec.GET) { // the commonest two first: a dict's keys and str values met before, then met first
      written = binaryMemo(p, true, outputIndex(load<u32>(record, 8)));
    } else if (head == STR_AT_ADDRESS) {
      const n = load<u32>(record, 12);
      if (<u64>at + n + 9 > <u64>limit) break;
      written = binaryStr(p, <usize>load<u32>(record, 8), n, false);
    } else if ((head & 0xff) == Rec.NUMBERS) {
      // a batch's MARK does not begin a value: it goes in the frame before
      if (head == UNOPENED_BATCH) at += openBatch(record, p);
      // each number begins a value: the run stops where the frame must close, or the window is full
      const n = load<u32>(record, 8);
      let done = load<u32>(record, 12);
      let value = nextOfRun(record);
      let int64 = nextInt64(record, head);
      // first as many as surely fit before the window's limit and the frame's end, with only the loop's own check
      const stopAt = min(limit, frameEnd);
      if (at < stopAt) {
        const sure = min(n - done, (stopAt - at) / MAX_NUMBER_BYTES);
        const first = value;
        const end = value + (<usize>sure << 3);
        let cursor = out + at;
        for (;;) {
          // the numbers up to the next int64, with only the loop's check
          const stop = min(end, int64);
          for (; value < stop; value += 8) {
            const bytes = binaryNumber(cursor, load<f64>(value));
            if (bytes == 0) break;
            cursor += bytes;
          }
          if (value != int64 || value >= end) break;
          // (its two slots take a number's bytes at most: at end's last slot, its link is one past)
          const bytes = writeRunInt64(record, value, cursor);
          if (bytes == 0) break;
          cursor += bytes;
          int64 = nextInt64(record, head);
          value += 16;
        }
        done += <u32>((value - first) >> 3);
        at = <u32>(cursor - out);
      }
      while (done < n && at < limit && at < frameEnd) {
        const isInt64 = value == int64;
        const bytes = isInt64 ? writeRunInt64(record, value, out + at) : binaryNumber(out + at, load<f64>(value));
        if (bytes == 0) break;
        at += bytes;
        const slots: u32 = isInt64 ? 2 : 1;
        done += slots;
        value += slots << 3;
        if (isInt64) int64 = nextInt64(record, head);
      }
      store<u32>(record, done, 12);
      if (done < n) break;
      at += closeRun(record, out + at); // (limit leaves room for them)
      index += runRecords(record);
      continue;
    } else if (head == Rec.NUMBER) {
      written = binaryNumber(p, load<f64>(record, 8));
    } else if (head == Rec.INT64) {
      written = binaryInt(p, load<i64>(record, 8));
    } else if ((head & ~SHARED) == Rec.STR || (head & ~SHARED) == STR_PENDING) {
      const pending = (head & ~SHARED) == STR_PENDING;
      const n = pending ? pendingBytes(load<u32>(record, 8)) : load<u32>(record, 12);
      if (<u64>at + n + 9 > <u64>limit) break;
      written = binaryStr(p, pending ? text : payloadAddress(head, load<u32>(record, 8)), n, (head & SHARED) != 0);
      if (pending) text += n;
    } else if (head == Rec.PUT) {
      written = binaryStore(p, takeJsStore());
    } else if ((head == Rec.TRUE || head == Rec.FALSE) && protocol >= 2) {
      store<u8>(p, head == Rec.TRUE ? Op.NEWTRUE : Op.NEWFALSE);
      written = 1;
    } else if (isBareOpcode(head & 0xff)) { // a batch's MARK carries a flag
      store<u8>(p, head & 0xff);
      written = 1;
    } else {
      break;
    }
    if (written == 0) break; // an int that needs text (protocol 1)
    at += written;
    at += writeFoldedMemo(flagged, out + at); // (limit leaves room for it)
  }
  len = at;
  return index;
}

/**
 * The GET of a dict value's key folded into its record (RecFlag.KEY_GET, only
 * at protocol 1+), at p; returns the bytes written. The flag is cleared: a
 * loop that stops before the value does not write the key again.
 */
function writeKeyGet(record: usize, p: usize): u32 {
  store<u32>(record, load<u32>(record) & ~KEY_GET);
  return binaryMemo(p, true, outputIndex(load<u32>(record, 4)));
}

/** A record's flags for a memo store folded into it (MemoFlag): JS sets one on the record of the value just memoized. */
const MEMOIZED: u32 = MemoFlag.MEMOIZED << Layout.FLAGS_SHIFT;
const PUT_NEXT: u32 = MemoFlag.PUT_NEXT << Layout.FLAGS_SHIFT;
const FOLDED_MEMO: u32 = MEMOIZED | PUT_NEXT;
const SHARED: u32 = RecFlag.SHARED << Layout.FLAGS_SHIFT;
const KEY_GET: u32 = RecFlag.KEY_GET << Layout.FLAGS_SHIFT;

/** Writes records POS..TAPE_LEN of the session's tape into its output window. */
export function encode(s: usize): i32 {
  useSession(s);
  out = field(Field.WINDOW);
  const cap = field(Field.WINDOW_CAP);
  len = field(Field.WINDOW_LEN);
  protocol = field(Field.PROTOCOL);
  arena = field(Field.ARENA);
  frameStart = field(Field.FRAME_START);
  memoNext = field(Field.NEXT_PUT);
  jsStores = field(Field.JS_STORES);
  memoIndices = field(Field.MEMO_INDICES);
  stamp = field(Field.DUMP_STAMP);
  shareLookups = field(Field.CACHE_LOOKUPS);
  shareHits = field(Field.CACHE_HITS);
  sharing = field(Field.CACHE_SKIPS) == 0;
  text = field(Field.TEXT);
  textAscii = field(Field.TEXT_ASCII) != 0;
  const tape = <usize>field(Field.TAPE);
  const count = field(Field.TAPE_LEN);
  let index = field(Field.POS);
  let status = EncodeStatus.NEED_RECORDS;
  while (index < count) {
    const record = tape + <usize>index * Layout.RECORD_BYTES;
    const head = load<u32>(record);
    const kind = head & 0xff;
    if (frameFull() && beginsValue(head)) commitFrame();
    if (kind != Op.PROTO && kind != Op.STOP && protocol >= 1 && len + 64 <= cap) {
      openFrame();
      const written = len;
      const next = writeRun(tape, index, count, cap - 64);
      if (next != index || len != written) { // (a run of numbers may be written in part)
        index = next;
        continue;
      }
    }
    const external = ((head >>> Layout.FLAGS_SHIFT) & RecFlag.EXTERNAL) != 0;
    const a = load<u32>(record, 8);
    const b = load<u32>(record, 12);
    const payloadBytes: u32 = external ? 0 : isPayload(kind) ? b : 0;
    if (<u64>len + payloadBytes + 64 > cap) {
      status = EncodeStatus.OUTPUT_FULL;
      break;
    }
    if (head & KEY_GET) { // the key, then the record again: a frame may close between them
      openFrame();
      len += writeKeyGet(record, out + len);
      continue;
    }
    if (external) commitFrame();
    else if (kind != Op.PROTO) openFrame();
    const payload = payloadAddress(head, a);
    switch (kind) {
      case Op.PROTO: byte(Op.PROTO); byte(a); break;
      case Rec.INT64: writeInt(load<i64>(record, 8)); break;
      case Rec.NUMBER: writeNumber(load<f64>(record, 8)); break;
      case Rec.NUMBERS:
        if (head == UNOPENED_BATCH) len += openBatch(record, out + len);
        if (!writeOneOfRun(record)) continue; // the same run again
        len += closeRun(record, out + len); // (and its memo store)
        index += runRecords(record) + 1;
        continue;
      case Rec.EXT: writeExtension(a); break;
      case Rec.TRUE: case Rec.FALSE: writeBool(kind == Rec.TRUE); break;
      case Rec.BIGINT_BYTES: counted(Op.LONG1, Op.LONG4, 0, payload, b, external); break;
      case Rec.BIGINT_TEXT: byte(Op.LONG); if (!external) { copy(payload, b); byte(0x4c); byte(0x0a); } break;
      case Rec.FLOAT_TEXT: line(Op.FLOAT, payload, b, external); break;
      case Rec.STR:
        if (external) {
          len += strHeader(out + len, b);
        } else if (head & (RecFlag.PENDING << Layout.FLAGS_SHIFT)) {
          const n = pendingBytes(a);
          len += binaryStr(out + len, text, n, (head & SHARED) != 0);
          text += n;
        } else {
          len += binaryStr(out + len, payload, b, (head & SHARED) != 0);
        }
        break;
      case Rec.UNICODE_RAW: {
        const found = (head & SHARED) != 0 && !external ? share(payload, b) : NOT_SHARED;
        if (found >= 0) {
          writeMemo(true, <u32>found);
        } else {
          line(Op.UNICODE, payload, b, external);
          if (found == ADDED) writeStore(memoNext++);
        }
        break;
      }
      case Rec.BYTES: counted(Op.SHORT_BINBYTES, Op.BINBYTES, Op.BINBYTES8, payload, b, external); break;
      case Rec.BYTEARRAY: byte(Op.BYTEARRAY8); u64le(b); if (!external) copy(payload, b); break;
      case Rec.GET: writeMemo(true, outputIndex(a)); break;
      case Rec.PUT: writeStore(takeJsStore()); break;
      case Rec.SHARED_STR: find(<usize>a, b, stamp, outputIndex(load<u32>(record, 4))); break; // (found already: taken in twice, at one index)
      case Op.GLOBAL: line(Op.GLOBAL, payload, b, external); break; // payload: "module\nname"
      case Op.PERSID: line(Op.PERSID, payload, b, external); break;
      default: byte(kind); // every opcode without an argument
    }
    // (never on an external payload's record: JS writes a record of its own)
    if ((head & FOLDED_MEMO) != 0) writeStore(takeJsStore());
    index++;
    if (external) {
      status = EncodeStatus.EXTERNAL;
      break;
    }
    if (kind == Op.STOP) commitFrame();
  }
  setField(Field.POS, index);
  setField(Field.WINDOW_LEN, len);
  setField(Field.FRAME_START, frameStart);
  setField(Field.NEXT_PUT, memoNext);
  setField(Field.JS_STORES, jsStores);
  setField(Field.CACHE_LOOKUPS, shareLookups);
  setField(Field.CACHE_HITS, shareHits);
  setField(Field.CACHE_SKIPS, sharing ? 0 : 1);
  setField(Field.TEXT, <u32>text);
  return status;
}

const STR_AT_ADDRESS: u32 = Rec.STR | (RecFlag.ADDRESS << Layout.FLAGS_SHIFT);
const STR_PENDING: u32 = Rec.STR | (RecFlag.PENDING << Layout.FLAGS_SHIFT);

/**
 * The UTF-8 bytes of the pending str of `units` UTF-16 code units that starts
 * at `text`: as many (all ASCII), else what its code points take (a 4-byte
 * sequence is a surrogate pair: two units). JS never lets a pair straddle two
 * strs (see EncodeSession.str).
 */
function pendingBytes(count: u32): u32 {
  if (textAscii) return count;
  let p = text;
  for (let units = <i32>count; units > 0; ) {
    const lead = <u32>load<u8>(p);
    const bytes: u32 = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    p += bytes;
    units -= bytes == 4 ? 2 : 1;
  }
  return <u32>(p - text);
}

/** Where a record's payload is: at its offset in the arena, or at the address it gives (RecFlag.ADDRESS). */
@inline function payloadAddress(head: u32, a: u32): usize {
  return ((head >>> Layout.FLAGS_SHIFT) & RecFlag.ADDRESS) != 0 ? <usize>a : arena + a;
}

function isPayload(kind: u32): bool {
  switch (kind) {
    case Rec.BIGINT_BYTES: case Rec.BIGINT_TEXT: case Rec.FLOAT_TEXT: case Rec.STR: case Rec.UNICODE_RAW:
    case Rec.BYTES: case Rec.BYTEARRAY: case Op.GLOBAL: case Op.PERSID: return true;
    default: return false;
  }
}
