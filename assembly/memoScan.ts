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

/** Whole length of each opcode the pass only steps over (0: it looks closer: GET, PUT, MEMOIZE, STOP, payloads, lines). */
const plainSizeOf = new StaticArray<u8>(256);
for (let op = 0; op < 256; op++) {
  const kind = <u32>argKindOf[op];
  const plain = kind == Arg.NONE || kind == Arg.UINT1 || kind == Arg.UINT2 || kind == Arg.INT4 || kind == Arg.UINT4 || kind == Arg.UINT8 || kind == Arg.FLOAT8;
  const memo = op == Op.MEMOIZE || op == Op.STOP || op == Op.BINGET || op == Op.LONG_BINGET || op == Op.BINPUT || op == Op.LONG_BINPUT;
  plainSizeOf[op] = plain && !memo && kind != <u32>UNKNOWN ? <u8>(1 + argSizeOf[op]) : 0;
}

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
  const plainSizes = changetype<usize>(plainSizeOf);
  for (;;) {
    if (pos >= end) break;
    const op = <u32>load<u8>(input + pos);
    const plain = <u32>load<u8>(plainSizes + op);
    if (plain != 0) {
      if (pos + plain > end) break;
      pos += plain;
      opcodes++;
      continue;
    }
    // the most frequent of the rest: a dict's repeated key, a value's store, a short str
    if (op == Op.BINGET) {
      if (pos + 2 > end) break;
      if (!markGet(<i64>load<u8>(input + pos + 1))) return MemoScan.UNKNOWN;
      pos += 2;
      opcodes++;
      continue;
    }
    if (op == Op.MEMOIZE) {
      stores++;
      pos++;
      opcodes++;
      continue;
    }
    if (op == Op.SHORT_BINUNICODE) {
      if (pos + 2 > end) break;
      pos += 2 + <u32>load<u8>(input + pos + 1); // (past the window: the pass resumes there)
      opcodes++;
      continue;
    }
    if (op == Op.BINPUT || op == Op.LONG_BINPUT) { // protocols 1-3 store by index: it must be the next (as pickle writes them: CPython's memo is a dict; the same for PUT)
      const short = op == Op.BINPUT;
      if (pos + (short ? 2 : 5) > end) break;
      if ((short ? <u32>load<u8>(input + pos + 1) : load<u32>(input + pos + 1)) != stores) return MemoScan.UNKNOWN;
      stores++;
      pos += short ? 2 : 5;
      opcodes++;
      continue;
    }
    const kind = <u32>unchecked(argKindOf[op]);
    const size = <u32>unchecked(argSizeOf[op]);
    if (kind == UNKNOWN) return MemoScan.UNKNOWN;
    const argPos = pos + 1;
    if (<u64>argPos + size > <u64>end) break;
    let next = argPos + size;
    let known = true;
    switch (kind) {
      case Arg.NONE: {
        if (op == Op.STOP) {
          setField(Field.MEMO_MARKED, marked);
          return MemoScan.DONE;
        }
        break;
      }
      case Arg.UINT1: case Arg.UINT4: { // (BINGET, BINPUT and LONG_BINPUT: above)
        if (op == Op.LONG_BINGET) known = markGet(<i64>load<u32>(input + argPos));
        break;
      }
      case Arg.STRING1: case Arg.UNICODESTRING1: case Arg.BYTES1: case Arg.LONG1: {
        next += load<u8>(input + argPos);
        break;
      }
      case Arg.STRING4: case Arg.UNICODESTRING4: case Arg.BYTES4: case Arg.LONG4: {
        const length = load<i32>(input + argPos);
        if (length < 0) return MemoScan.UNKNOWN;
        next += <u32>length;
        break;
      }
      case Arg.UNICODESTRING8: case Arg.BYTES8: case Arg.BYTEARRAY8: {
        const length = load<u64>(input + argPos);
        if (length > <u64>(inputEnd - next)) return MemoScan.UNKNOWN;
        next += <u32>length;
        break;
      }
      case Arg.DECIMALNL_SHORT: case Arg.DECIMALNL_LONG: case Arg.FLOATNL: case Arg.STRINGNL:
      case Arg.STRINGNL_NOESCAPE: case Arg.UNICODESTRINGNL: case Arg.STRINGNL_NOESCAPE_PAIR: {
        let newline = findNewline(argPos);
        if (newline >= 0 && kind == Arg.STRINGNL_NOESCAPE_PAIR) newline = findNewline(<u32>newline + 1);
        if (newline < 0) {
          next = 0;
          break;
        }
        next = <u32>newline + 1;
        if (op == Op.GET) {
          known = markGet(textIndex(argPos, <u32>newline));
        } else if (op == Op.PUT) {
          known = textIndex(argPos, <u32>newline) == <i64>stores;
          stores++;
        }
        break;
      }
      default: break; // fixed-size arguments (FRAME's length: the opcodes it holds follow)
    }
    if (!known) return MemoScan.UNKNOWN;
    if (next == 0) break; // a line past the window
    if (next < pos) return MemoScan.UNKNOWN; // (a u32 offset wrapped)
    pos = next;
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
