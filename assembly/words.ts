// Reading bytes a word at a time (string hashing and comparing).

/** The word of the n bytes at p from byte i on, with the bytes past n zeroed (allocations end with slack that keeps it readable). */
@inline export function wordOf(p: usize, i: u32, n: u32): u64 {
  const word = load<u64>(p + i);
  return n - i < 8 ? word & ((<u64>1 << (<u64>(n - i) << 3)) - 1) : word;
}

/** A hash of words so far, with the next one mixed in (a multiply and a shift: strs are short). */
@inline export function mixWord(h: u64, word: u64): u64 {
  h = (h ^ word) * 0x9e3779b97f4a7c15;
  return h ^ (h >> 29);
}

/**
 * The high half of a word hash, whose top bits pick a slot: a multiply carries
 * every input bit upward only, so the low bits depended on a str's first bytes
 * alone ('value 10' to 'value 19' shared them: 10 of 60 such strs in one slot).
 */
@inline export function foldHash(h: u64): u32 {
  return <u32>(h >> 32);
}

/** A slot of 2^bits for a folded hash: its top bits. */
@inline export function slotOf(hash: u32, bits: u32): u32 {
  return hash >> (32 - bits);
}

// Byte order of BINFLOAT's big-endian f64, by one byte shuffle (SIMD): wasm has
// no byte swap, and bswap<u64> takes ~17 x64 instructions of shifts and masks.

/** The vector with its low 8 bytes in reverse order. */
@inline function reverseLowBytes(bytes: v128): v128 {
  return i8x16.shuffle(bytes, bytes, 7, 6, 5, 4, 3, 2, 1, 0, 8, 9, 10, 11, 12, 13, 14, 15);
}

@inline export function loadBigEndianF64(p: usize): f64 {
  return f64x2.extract_lane(reverseLowBytes(v128.load64_zero(p)), 0);
}

@inline export function storeBigEndianF64(p: usize, v: f64): void {
  // (v128.store64_lane does not validate in AssemblyScript 0.19: it is given a result)
  store<u64>(p, i64x2.extract_lane(reverseLowBytes(f64x2.splat(v)), 0));
}

/** The high bit of each byte of a word: a word of ASCII bytes has none set. */
export const HIGH_BITS: u64 = 0x8080808080808080;
