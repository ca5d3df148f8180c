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
 * A word hash, its bits mixed down (a multiply moves a word's bits only up:
 * without this, strs that differ in their last bytes shared the low bits that
 * pick their slot), folded to 32 bits.
 */
@inline export function foldHash(h: u64): u32 {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccd;
  h ^= h >> 33;
  return <u32>(h ^ (h >> 32));
}
