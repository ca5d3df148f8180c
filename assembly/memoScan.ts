// A pass before the scan, over a whole pickle at hand: which memo indices does
// it GET? The replay then keeps only those values in the memo. A protocol 4+
// pickle memoizes nearly every value and GETs few (200k strs: none; 100k
// records: 10 of 500k), and a memo holding every value made V8's scavenges
// visit each one again: the replay skipping the other stores loads 200k strs
// 20% faster, pass included. It reads opcodes and arguments' lengths
// only, and answers UNKNOWN wherever it is unsure: the scan then checks the
// pickle as always, and every store is kept.
import { field, setCurrentField as setField, useSession } from "./session";
import { Op, Arg } from "../src/opcodes";
import { Field, Layout, MemoScan } from "../src/tape";
import { UNKNOWN, argKindOf, argSizeOf } from "./scanner";
import { at, findNewline, inputBase, inputEnd, useWindow, windowEnd } from "./window";
import { Parsed, parseDecimal, parsedInt } from "./numbers";

/**
 * At the end of the window in which this many opcodes have passed, a pickle
 * with fewer than one memo store in STORES_PER_OPCODES of them so far is left
 * alone (UNKNOWN). The pass cost ~6 ns an opcode here (71 instructions an
 * opcode of 100k records; 39 since session 23), a store it lets the replay
 * skip saves 50-80: 1M floats (one
 * store) lost 6 ms of 24 to it; 200k strs (one in 3) gain 13 ms of 64. 100k
 * records (a store in 6 opcodes) gained about what it cost on the first
 * machines of this kind, and 11% on one where fresh pages cost ~10 µs each:
 * a memo of every store grows to 500k slots, by doubling.
 */
const SAMPLE_OPCODES: u32 = 4096;
const STORES_PER_OPCODES: u32 = 8;

/** What the pass does at an opcode: a jump table's case (Step's low bits), after its header's bounds check. */
const enum Step {
  /** Everything else: by its argument's kind (lines, 8-byte lengths, STOP, opcodes that are not pickle's). */
  OTHER = 0,
  /** Only stepped over: the header is the whole opcode. */
  PLAIN = 1,
  MEMOIZE = 2,
  GET1 = 3,
  GET4 = 4,
  PUT1 = 5,
  PUT4 = 6,
  /** A payload after a length of one or four bytes (strs, bytes, long ints). */
  LENGTH1 = 7,
  LENGTH4 = 8,
  /** The opcode's header (opcode and fixed argument) is in the bits from here: its bounds are checked before the case. */
  HEADER_SHIFT = 4,
}

function stepFor(op: u32): u32 {
  const kind = <u32>argKindOf[op];
  const header = kind == <u32>UNKNOWN ? 0 : 1 + <u32>argSizeOf[op];
  let step = Step.OTHER;
  if (op == Op.MEMOIZE) step = Step.MEMOIZE;
  else if (op == Op.BINGET) step = Step.GET1;
  else if (op == Op.LONG_BINGET) step = Step.GET4;
  else if (op == Op.BINPUT) step = Step.PUT1;
  else if (op == Op.LONG_BINPUT) step = Step.PUT4;
  else if (kind == Arg.STRING1 || kind == Arg.UNICODESTRING1 || kind == Arg.BYTES1 || kind == Arg.LONG1) step = Step.LENGTH1;
  else if (kind == Arg.STRING4 || kind == Arg.UNICODESTRING4 || kind == Arg.BYTES4 || kind == Arg.LONG4) step = Step.LENGTH4;
  else if (op != Op.STOP && (kind == Arg.NONE || kind == Arg.UINT1 || kind == Arg.UINT2 || kind == Arg.INT4 || kind == Arg.UINT4 || kind == Arg.UINT8 || kind == Arg.FLOAT8)) step = Step.PLAIN;
  return step == Step.OTHER ? Step.OTHER : step | (header << Step.HEADER_SHIFT);
}

const stepOf = new StaticArray<u8>(256);
for (let op: u32 = 0; op < 256; op++) stepOf[op] = <u8>stepFor(op);

let bitmap: usize = 0;
let bits: u32 = 0;
/** Bitmap bytes zeroed so far (MEMO_MARKED): the bitmap JS takes. */
let marked: u32 = 0;
/** The index a text GET or PUT line [from, end) gives, read as the scan reads it, or -1. */
function textIndex(from: u32, end: u32): i64 {
  return parseDecimal(at(from), at(end)) == Parsed.OK && parsedInt >= 0 && parsedInt <= 0xffffffff ? parsedInt : -1;
}

/** A GET of `index`: marked, or false when the bitmap cannot hold it. */
@inline function markGet(index: i64): bool {
  if (index < 0 || index >= <i64>bits) return false;
  const byte = <u32>(index >> 3);
  if (byte >= marked) {
    memory.fill(bitmap + marked, 0, byte + 1 - marked);
    marked = byte + 1;
  }
  store<u8>(bitmap + byte, <u32>load<u8>(bitmap + byte) | (<u32>1 << <u32>(index & 7)));
  return true;
}

/** The memo stores so far, in and out of otherOpcode (a text PUT counts one). */
let otherStores: u32 = 0;

/**
 * The pass at an opcode of Step.OTHER at `pos`: STOP, a payload after an
 * 8-byte length, a text line, a byte that is no opcode. Returns where the
 * next opcode is, 0 when this one is not all in the window (the pass resumes
 * at it), or the pass's result negated (it ends here).
 */
function otherOpcode(op: u32, pos: u32, end: u32): i64 {
  if (op == Op.STOP) {
    setField(Field.MEMO_MARKED, marked);
    return -MemoScan.DONE - 1;
  }
  const kind = <u32>unchecked(argKindOf[op]);
  if (kind == UNKNOWN) return -MemoScan.UNKNOWN - 1;
  const argPos = pos + 1;
  if (<u64>argPos + <u32>unchecked(argSizeOf[op]) > <u64>end) return 0;
  switch (kind) {
    case Arg.UNICODESTRING8: case Arg.BYTES8: case Arg.BYTEARRAY8: {
      const length = load<u64>(inputBase() + argPos);
      if (length > <u64>(inputEnd - argPos - 8)) return -MemoScan.UNKNOWN - 1;
      return <i64>argPos + 8 + length;
    }
    default: { // text lines
      let newline = findNewline(argPos);
      if (newline >= 0 && kind == Arg.STRINGNL_NOESCAPE_PAIR) newline = findNewline(<u32>newline + 1);
      if (newline < 0) return 0;
      let known = true;
      if (op == Op.GET) {
        known = markGet(textIndex(argPos, <u32>newline));
      } else if (op == Op.PUT) {
        known = textIndex(argPos, <u32>newline) == <i64>otherStores;
        otherStores++;
      }
      return known ? newline + 1 : -MemoScan.UNKNOWN - 1;
    }
  }
}

/**
 * Reads the opcodes of the session's window from POS, marking in the
 * bitmap the memo indices GETs name. MEMO_STORES, MEMO_MARKED and
 * MEMO_OPCODES carry the pass from one window to the next (JS zeroes them
 * first). The loop keeps its counters and the window in locals and reads
 * the table through a plain pointer: as globals (and a managed array, which
 * AssemblyScript's runtime notes on its shadow stack at each read), V8
 * loaded and stored each in memory at every opcode, and the pass took 71
 * instructions an opcode of 100k records, not 40.
 */
export function findReferenced(s: usize): i32 {
  useSession(s);
  useWindow();
  bitmap = field(Field.TAPE);
  bits = field(Field.TAPE_CAP) * Layout.RECORD_BYTES * 8;
  marked = field(Field.MEMO_MARKED);
  let stores = field(Field.MEMO_STORES);
  let opcodes = field(Field.MEMO_OPCODES);
  let pos = field(Field.POS);
  const end = windowEnd;
  const input = inputBase();
  const steps = changetype<usize>(stepOf);
  for (;;) {
    if (pos >= end) break;
    const op = <u32>load<u8>(input + pos);
    const step = <u32>load<u8>(steps + op);
    const header = step >> Step.HEADER_SHIFT;
    if (pos + header > end) break;
    const arg = input + pos + 1;
    // the most frequent first, by tests (a jump table cost more on 100k records): values, a dict's repeated key, a value's store, a short str
    const what = step & ((1 << Step.HEADER_SHIFT) - 1);
    if (what == Step.PLAIN) {
      pos += header;
      opcodes++;
      continue;
    }
    if (what == Step.GET1) {
      if (!markGet(<i64>load<u8>(arg))) return MemoScan.UNKNOWN;
      pos += 2;
      opcodes++;
      continue;
    }
    if (what == Step.MEMOIZE) {
      stores++;
      pos++;
      opcodes++;
      continue;
    }
    if (what == Step.LENGTH1) {
      pos += 2 + <u32>load<u8>(arg); // (past the window: the pass resumes there)
      opcodes++;
      continue;
    }
    switch (what) {
      case Step.GET4: {
        if (!markGet(<i64>load<u32>(arg))) return MemoScan.UNKNOWN;
        pos += 5;
        opcodes++;
        continue;
      }
      // protocols 1-3 store by index: it must be the next (as pickle writes them: CPython's memo is a dict; the same for PUT)
      case Step.PUT1: {
        if (<u32>load<u8>(arg) != stores) return MemoScan.UNKNOWN;
        stores++;
        pos += 2;
        opcodes++;
        continue;
      }
      case Step.PUT4: {
        if (load<u32>(arg) != stores) return MemoScan.UNKNOWN;
        stores++;
        pos += 5;
        opcodes++;
        continue;
      }
      case Step.LENGTH4: {
        const length = load<i32>(arg);
        const next = pos + 5 + <u32>length;
        if (length < 0 || next < pos) return MemoScan.UNKNOWN; // (a u32 offset wrapped)
        pos = next;
        opcodes++;
        continue;
      }
      default: break;
    }
    // the rest, in a function of its own: here, its locals and calls made V8 keep the loop's counters in memory
    otherStores = stores;
    const next = otherOpcode(op, pos, end);
    if (next < 0) return <i32>(-next - 1);
    if (next == 0) break;
    pos = <u32>next;
    stores = otherStores;
    opcodes++;
  }
  // Judged once, at the end of the window where the sample ends: there it costs nothing an opcode.
  const sampled = opcodes >= SAMPLE_OPCODES && field(Field.MEMO_OPCODES) < SAMPLE_OPCODES;
  if (sampled && <u64>stores * STORES_PER_OPCODES < <u64>opcodes) return MemoScan.UNKNOWN;
  setField(Field.POS, pos);
  setField(Field.NEED, pos < end ? end - pos + 1 : 1);
  setField(Field.MEMO_STORES, stores);
  setField(Field.MEMO_MARKED, marked);
  setField(Field.MEMO_OPCODES, opcodes);
  return MemoScan.NEED_INPUT;
}
