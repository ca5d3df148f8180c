// Classifies a str payload for the JS side, which makes the string: pure
// ASCII (fast path), all below U+0100 (latin-1: bytes at protocols 0–2), UTF-8
// with UTF-8-encoded surrogates (CPython writes str with 'surrogatepass';
// TextDecoder would replace them), or invalid. And folds long latin-1 strs to
// one byte a character, for JS to make a one-byte string of.
import { Scratch, StrFlag } from "../src/tape";
import { HIGH_BITS } from "./words";

/** Flags found by the last classify() call. */
export let classifiedFlags: u32 = 0;

@inline function isContinuation(b: u32): bool {
  return (b & 0xc0) == 0x80;
}

const LOW_SEVEN: u64 = 0x7f7f7f7f7f7f7f7f;

/**
 * Skips [p, q) while it is ASCII or the two-byte sequences of U+0080..U+00FF
 * (C2/C3 then a continuation byte): 8 bytes a step, without a branch per byte
 * (random latin-1 text, such as bytes pickled at protocols 0–2, mispredicts
 * every per-byte branch). Clears StrFlag.ASCII in `classifiedFlags` if it met
 * a sequence; returns where it stopped: at q, or before the first byte it
 * cannot vouch for (a sequence it does not know, or one cut by the word end).
 */
function skipLatin1(p: usize, q: usize): usize {
  let pending: u64 = 0; // a C2/C3 at the previous word's last byte, as bit 7
  let seen: u64 = 0;
  while (p + 8 <= q) {
    const word = load<u64>(p);
    const high = word & HIGH_BITS;
    // 10xxxxxx: bit 7 set, bit 6 clear
    const continuation = high & ~(word << 1);
    // bytes equal to C2 or C3, found as zero bytes of the XOR (exact, no borrows across bytes)
    const x = (word ^ 0xc2c2c2c2c2c2c2c2) & 0xfefefefefefefefe;
    const lead = ~(((x & LOW_SEVEN) + LOW_SEVEN) | x | LOW_SEVEN);
    if ((high & ~continuation & ~lead) != 0 || continuation != ((lead << 8) | pending)) break;
    pending = lead >> 56;
    seen |= high;
    p += 8;
  }
  if (seen != 0) classifiedFlags &= ~StrFlag.ASCII;
  return pending != 0 ? p - 1 : p;
}

/**
 * How many bytes the UTF-8 sequence that each byte leads takes: 2 to 4, or 0
 * for a byte that leads none (a table: one load, not a chain of compares).
 */
const sequenceSizes = new StaticArray<u8>(256);
for (let b: u32 = 0xc2; b < 0xf5; b++) sequenceSizes[b] = <u8>(b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4);

@inline function sequenceSize(b0: u32): usize {
  return <usize>load<u8>(changetype<usize>(sequenceSizes) + b0);
}

/**
 * Whether the n bytes at p (n from sequenceSize of b0, the first) are a valid
 * UTF-8 sequence: no overlong form, nothing beyond U+10FFFF. Encoded
 * surrogates are valid (CPython writes them with 'surrogatepass') and set
 * StrFlag.SURROGATES.
 */
@inline function validSequence(p: usize, b0: u32, n: usize): bool {
  const b1 = <u32>load<u8>(p, 1);
  const lo: u32 = b0 == 0xe0 ? 0xa0 : b0 == 0xf0 ? 0x90 : 0x80;
  const hi: u32 = b0 == 0xf4 ? 0x8f : 0xbf;
  if (b1 < lo || b1 > hi) return false;
  // (unrolled: a loop over the continuation bytes cost a loop's checks at each sequence)
  if (n >= 3 && !isContinuation(load<u8>(p, 2))) return false;
  if (n == 4 && !isContinuation(load<u8>(p, 3))) return false;
  if (b0 == 0xed && b1 >= 0xa0) classifiedFlags |= StrFlag.SURROGATES;
  return true;
}

/**
 * Classifies [p, q), adding to `flags`. Stops before a sequence that is cut at
 * q unless `final` (then it is invalid) and returns where it stopped. The
 * first invalid byte sets StrFlag.INVALID and ends the classification (the
 * other flags no longer matter: a STR so flagged is an error, a Python 2
 * string is then neither ASCII nor UTF-8).
 */
export function classify(p: usize, q: usize, flags: u32, final: bool): usize {
  classifiedFlags = flags;
  if (flags & StrFlag.INVALID) return q;
  while (p < q) {
    if (classifiedFlags & StrFlag.LATIN1) {
      p = skipLatin1(p, q);
    } else {
      while (p + 8 <= q && (load<u64>(p) & HIGH_BITS) == 0) p += 8;
    }
    while (p < q && load<u8>(p) < 0x80) p++; // the ASCII bytes short of a word
    if (p >= q) break;
    const b0 = <u32>load<u8>(p);
    classifiedFlags &= ~StrFlag.ASCII;
    const n = sequenceSize(b0);
    if (p + n > q && n != 0 && !final) break;
    if (n == 0 || p + n > q || !validSequence(p, b0, n)) {
      classifiedFlags |= StrFlag.INVALID;
      return q;
    }
    if (b0 > 0xc3) classifiedFlags &= ~StrFlag.LATIN1;
    p += n;
  }
  return p;
}

/** What decodeStr returns for bytes that are not valid UTF-8. */
export const NOT_UTF8: u32 = 0xffffffff;

/**
 * Decodes the UTF-8 [p, q), a whole str, to UTF-16 at `out`, checking it as
 * classify() does; returns the units written, or NOT_UTF8. Encoded
 * surrogates become lone units, as CPython's 'surrogatepass' gives them.
 * ASCII goes eight bytes a step without a branch on how many of them are
 * ASCII: the word is widened by one SIMD load and stored whole, and `p`
 * moves past its ASCII bytes only (text with a non-ASCII character every few
 * bytes mispredicted a word test at each character). So it reads up to 7
 * bytes past q and writes up to 8 units past its own: the window and the
 * area have that much room after them.
 */
export function decodeStr(p: usize, q: usize, out: usize): u32 {
  const start = out;
  while (p < q) {
    v128.store(out, v128.load_ext<u8>(p));
    const ascii = min(<usize>(ctz(load<u64>(p) & HIGH_BITS) >> 3), q - p);
    p += ascii;
    out += ascii << 1;
    if (p >= q) break;
    const b0 = <u32>load<u8>(p);
    if (b0 < 0x80) continue; // (eight ASCII bytes, and more)
    const n = sequenceSize(b0);
    if (n == 0 || p + n > q || !validSequence(p, b0, n)) return NOT_UTF8;
    if (n == 2) {
      store<u16>(out, ((b0 & 0x1f) << 6) | (<u32>load<u8>(p, 1) & 0x3f));
    } else if (n == 3) {
      store<u16>(out, ((b0 & 0x0f) << 12) | ((<u32>load<u8>(p, 1) & 0x3f) << 6) | (<u32>load<u8>(p, 2) & 0x3f));
    } else {
      const code = (((b0 & 0x07) << 18) | ((<u32>load<u8>(p, 1) & 0x3f) << 12) | ((<u32>load<u8>(p, 2) & 0x3f) << 6) | (<u32>load<u8>(p, 3) & 0x3f)) - 0x10000;
      store<u16>(out, 0xd800 | (code >> 10));
      out += 2;
      store<u16>(out, 0xdc00 | (code & 0x3ff));
    }
    p += n;
    out += 2;
  }
  return <u32>(out - start) >> 1;
}

let foldArea: usize = 0;

/** The address of foldLatin1's scratch (allocated on first use). */
export function foldScratch(): usize {
  if (foldArea == 0) foldArea = heap.alloc(<usize>Scratch.FOLD_CHUNK * 2);
  return foldArea;
}

/** How many of the n bytes in the scratch's first half are from 0x80, counted eight at a time. */
function highBytes(n: u32): u32 {
  const end = foldArea + n;
  let high: u64 = 0;
  let p = foldArea;
  for (; p + 8 <= end; p += 8) high += popcnt(load<u64>(p) & HIGH_BITS);
  for (; p < end; p++) high += load<u8>(p) >> 7;
  return <u32>high;
}

/**
 * How many characters n bytes of UTF-8 that the scan classified StrFlag.LATIN1
 * in the scratch's first half hold (the size of their bytes, before
 * foldLatin1 writes them): each from U+0080 is two bytes from 0x80, a C2/C3
 * and its continuation, which no chunk cuts apart (see latin1.ts's eachChunk).
 */
export function latin1Chars(n: u32): u32 {
  return n - (highBytes(n) >> 1);
}

/** How many bytes of UTF-8 the n latin-1 bytes in the scratch's first half take: two for each from 0x80. */
export function latin1Utf8Length(n: u32): u32 {
  return n + highBytes(n);
}

/**
 * Writes the n latin-1 bytes in the scratch's first half (at most half of it)
 * as UTF-8 at `to`, foldLatin1's inverse; returns the bytes written. Words of
 * ASCII are copied whole; other bytes with no branch on their value (random
 * bytes would mispredict one in two): two bytes stored for each, the output
 * moved on by one or two.
 */
export function unfoldLatin1(n: u32, to: usize): u32 {
  const end = foldArea + n;
  let p = foldArea;
  let out = to;
  while (p < end) {
    if (p + 8 <= end && (load<u64>(p) & HIGH_BITS) == 0) {
      store<u64>(out, load<u64>(p));
      p += 8;
      out += 8;
      continue;
    }
    const stop = min(p + 8, end);
    for (; p < stop; p++) {
      const byte = <u32>load<u8>(p);
      const high = byte >> 7;
      const first = select<u32>(0xc0 | (byte >> 6), byte, high != 0);
      store<u16>(out, first | ((0x80 | (byte & 0x3f)) << 8));
      out += 1 + high;
    }
  }
  return <u32>(out - to);
}

/** Stores the byte of `folded` at bit `shift`; moves `out` on if `keep` has that byte's bit 0. */
@inline function keepByte(out: usize, folded: u64, keep: u64, shift: u64): usize {
  store<u8>(out, <u8>(folded >> shift));
  return out + <usize>((keep >> shift) & 1);
}

/**
 * Folds n bytes of UTF-8 that the scan classified StrFlag.LATIN1 (ASCII and
 * C2/C3 pairs, neither starting nor ending inside a pair) from the scratch's
 * first half to one byte a character in its second half; returns how many
 * characters. Eight bytes a step with no branch on their values (random
 * latin-1 would mispredict one per byte): each byte is folded with the byte
 * after it where it is a lead, then every byte but continuations is stored.
 */
export function foldLatin1(n: u32): u32 {
  const end = foldArea + n;
  let out = foldArea + Scratch.FOLD_CHUNK;
  const to = out;
  for (let p = foldArea; p < end; p += 8) {
    const word = load<u64>(p); // past `end` (at most 7 bytes of the output half): never stored
    const next = load<u64>(p + 1);
    const high = word & HIGH_BITS;
    const continuation = high & ~(word << 1);
    const lead = high & (word << 1); // 11xxxxxx: only C2/C3 here
    const leadBytes = (lead >> 7) * 0xff;
    const folded = (word & ~leadBytes) | ((((word & 0x0303030303030303) << 6) | (next & 0x3f3f3f3f3f3f3f3f)) & leadBytes);
    // a bit per byte: 1 unless a continuation or past the end
    let keep = ~(continuation >> 7) & 0x0101010101010101;
    if (end - p < 8) keep &= (<u64>1 << (<u64>(end - p) << 3)) - 1;
    // unrolled by hand: three times as fast as a loop over k here
    out = keepByte(out, folded, keep, 0);
    out = keepByte(out, folded, keep, 8);
    out = keepByte(out, folded, keep, 16);
    out = keepByte(out, folded, keep, 24);
    out = keepByte(out, folded, keep, 32);
    out = keepByte(out, folded, keep, 40);
    out = keepByte(out, folded, keep, 48);
    out = keepByte(out, folded, keep, 56);
  }
  return <u32>(out - to);
}
