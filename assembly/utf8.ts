// Classifies a str payload for the JS side, which makes the string: pure
// ASCII (fast path), UTF-8 with UTF-8-encoded surrogates (CPython writes str
// with 'surrogatepass'; TextDecoder would replace them), or invalid.
import { StrFlag } from "../src/tape";

/** Flags found by the last classify() call. */
export let classifiedFlags: u32 = 0;

@inline function isContinuation(b: u32): bool {
  return (b & 0xc0) == 0x80;
}

/**
 * Classifies [p, q), adding to `flags`. Stops before a sequence that is cut at
 * q unless `final` (then it is invalid) and returns where it stopped. Invalid
 * bytes set StrFlag.INVALID and are skipped one at a time, so that Python 2
 * strings (which may be latin-1) can still be scanned to their end.
 */
export function classify(p: usize, q: usize, flags: u32, final: bool): usize {
  while (p < q) {
    if (p + 8 <= q && (load<u64>(p) & 0x8080808080808080) == 0) {
      p += 8;
      continue;
    }
    const b0 = <u32>load<u8>(p);
    if (b0 < 0x80) {
      p++;
      continue;
    }
    flags &= ~StrFlag.ASCII;
    let n: usize = 0;
    let lo: u32 = 0x80;
    let hi: u32 = 0xbf;
    if (b0 >= 0xc2 && b0 < 0xe0) {
      n = 2;
    } else if (b0 >= 0xe0 && b0 < 0xf0) {
      n = 3;
      if (b0 == 0xe0) lo = 0xa0;
    } else if (b0 >= 0xf0 && b0 < 0xf5) {
      n = 4;
      if (b0 == 0xf0) lo = 0x90;
      else if (b0 == 0xf4) hi = 0x8f;
    }
    if (n == 0) {
      flags |= StrFlag.INVALID;
      p++;
      continue;
    }
    if (p + n > q) {
      if (!final) break;
      flags |= StrFlag.INVALID;
      p++;
      continue;
    }
    const b1 = <u32>load<u8>(p, 1);
    let ok = b1 >= lo && b1 <= hi;
    for (let i: usize = 2; i < n; i++) ok = ok && isContinuation(load<u8>(p + i));
    if (!ok) {
      flags |= StrFlag.INVALID;
      p++;
      continue;
    }
    if (b0 == 0xed && b1 >= 0xa0) flags |= StrFlag.SURROGATES;
    if (b0 > 0xc3) flags &= ~StrFlag.LATIN1;
    p += n;
  }
  classifiedFlags = flags;
  return p;
}
