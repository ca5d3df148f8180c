// Parsers for the text arguments of protocol 0: INT, LONG, GET/PUT and FLOAT.

export const enum Parsed {
  /** The value is in parsedInt / parsedFloat. */
  OK = 0,
  /** Well formed but too large for the fast path: JS converts the text. */
  TEXT = 1,
  INVALID = 2,
}

export let parsedInt: i64 = 0;
export let parsedFloat: f64 = 0;

@inline function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

/** Parses `[+-]?[0-9]+` in [p, q); up to 18 digits into parsedInt, more as TEXT. */
/** How many bytes the sign that parseSign() last read took (0 or 1). */
let signLength: usize = 0;

/** Reads an optional sign at p: whether it is '-'. */
function parseSign(p: usize, q: usize): bool {
  const c = p < q ? load<u8>(p) : 0;
  signLength = c == 0x2d || c == 0x2b ? 1 : 0;
  return c == 0x2d;
}

export function parseDecimal(p: usize, q: usize): Parsed {
  const negative = parseSign(p, q);
  p += signLength;
  if (p == q) return Parsed.INVALID;
  let value: i64 = 0;
  const digits = q - p;
  for (; p < q; p++) {
    const c = <u32>load<u8>(p);
    if (!isDigit(c)) return Parsed.INVALID;
    value = value * 10 + (c - 0x30);
  }
  if (digits > 18) return Parsed.TEXT;
  parsedInt = negative ? -value : value;
  return Parsed.OK;
}

// Powers of ten that f64 holds exactly: with a mantissa below 2^53 one
// multiplication or division by them is correctly rounded (Clinger's fast path).
const EXACT_POWERS: StaticArray<f64> = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

@inline function lower(c: u32): u32 {
  return c | 0x20;
}

/** Does [p, q) spell `word` (lower-case ASCII), ignoring case? */
function spells(p: usize, q: usize, word: string): bool {
  if (<i32>(q - p) != word.length) return false;
  for (let i = 0; i < word.length; i++) {
    if (lower(load<u8>(p + i)) != <u32>word.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Parses a float as Python's repr writes it: `[+-]?` then digits with an
 * optional fraction and exponent, or nan / inf / infinity. Exact cases go
 * into parsedFloat; other well-formed text is TEXT, for JS's Number().
 */
export function parseFloatText(p: usize, q: usize): Parsed {
  const negative = parseSign(p, q);
  p += signLength;
  if (spells(p, q, "nan")) {
    parsedFloat = NaN;
    return Parsed.OK;
  }
  if (spells(p, q, "inf") || spells(p, q, "infinity")) {
    parsedFloat = negative ? -Infinity : Infinity;
    return Parsed.OK;
  }
  let mantissa: u64 = 0;
  let significant = 0;
  let exponent = 0;
  let digits = 0;
  let c: u32 = 0;
  for (; p < q; p++) {
    c = load<u8>(p);
    if (!isDigit(c)) break;
    digits++;
    if (mantissa == 0 && c == 0x30) continue;
    if (significant < 19) mantissa = mantissa * 10 + (c - 0x30);
    else exponent++;
    significant++;
  }
  if (p < q && c == 0x2e) {
    for (p++; p < q; p++) {
      c = load<u8>(p);
      if (!isDigit(c)) break;
      digits++;
      if (mantissa == 0 && c == 0x30) {
        exponent--;
        continue;
      }
      if (significant < 19) {
        mantissa = mantissa * 10 + (c - 0x30);
        exponent--;
      }
      significant++;
    }
  }
  if (digits == 0) return Parsed.INVALID;
  if (p < q && lower(c) == 0x65) {
    p++;
    const expNegative = parseSign(p, q);
    p += signLength;
    if (p == q) return Parsed.INVALID;
    let e = 0;
    for (; p < q; p++) {
      c = load<u8>(p);
      if (!isDigit(c)) return Parsed.INVALID;
      if (e < 100000) e = e * 10 + (c - 0x30);
    }
    exponent += expNegative ? -e : e;
  }
  if (p != q) return Parsed.INVALID;
  if (significant > 15 || exponent < -22 || exponent > 22) return Parsed.TEXT;
  let value = <f64>mantissa;
  value = exponent < 0 ? value / EXACT_POWERS[-exponent] : value * EXACT_POWERS[exponent];
  parsedFloat = negative ? -value : value;
  return Parsed.OK;
}
