// Strings are made in JS, not in wasm (msgpack-javascript measured wasm UTF-8
// decoding as no faster, its PR #95): the scan has already validated and
// classified each payload, so these decoders only build.
import { UnpicklingError } from './errors.js';
import { nodeBuffer } from './nodeBuffer.js';
import { compileBySize } from './compiledBySize.js';
import { eachFolded } from './latin1.js';
import { StrCache, StrFlag, StrUnits } from './tape.js';

const utf8Decoder = new TextDecoder('utf-8');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** Below this length building from char codes beats TextDecoder's call overhead (measured: ~200 ns a call). */
const SHORT_STRING = 64;
/** Chunk size for String.fromCharCode.apply (bounded argument count). */
const CHUNK = 4096;

// Node's native slicers take any Uint8Array and beat TextDecoder, most of all on
// short strings (measured here: 95 ns against 220 ns for 20 ASCII bytes).
const latin1Slice = nodeBuffer?.prototype.latin1Slice;
const utf8Slice = nodeBuffer?.prototype.utf8Slice;

type FromBytes = (bytes: Uint8Array, start: number) => string;
type FromUnits = (units: Uint16Array, start: number) => string;
/** Strs up to this many bytes are made by fromBytes (most keys and short values). */
const FROM_BYTES_MAX = 32;
/**
 * Strs beyond Latin-1 up to this many bytes are decoded by a JS loop and made
 * by fromUnits (25 bytes: 50 ns against 80 by Node's utf8Slice, a call into
 * C++; still ahead at 110 bytes).
 */
const FROM_UNITS_MAX = StrUnits.MAX_BYTES;

/**
 * For each n up to `max`, String.fromCharCode of n arguments, the i-th
 * `argument(i)` of `params`: one builtin call with its arguments in
 * registers, no call into C++ as Node's latin1Slice makes (20 bytes: 81 ns
 * against 100), nor an argument array as apply() takes (170). Null where
 * compiling is refused: Node's slicers or apply() make the strs then.
 */
function compileCharCodeMakers<F>(max: number, params: string[], argument: (i: number) => string): F[] | null {
  return compileBySize<F>(max, params, (args) => `String.fromCharCode(${args})`, argument);
}

/** fromBytes[n](bytes, start): the str of the n bytes from `start`, one a character. */
const fromBytes = compileCharCodeMakers<FromBytes>(FROM_BYTES_MAX, ['b', 's'], (i) => `b[s + ${i}]`);
/** fromUnits[n](units, start): the str of the n UTF-16 code units from `start`. */
const fromUnits = compileCharCodeMakers<FromUnits>(FROM_UNITS_MAX, ['u', 's'], (i) => `u[s + ${i}]`);

/** Where decodeUnits writes (a UTF-8 byte makes at most one UTF-16 unit). */
const unitScratch = new Uint16Array(CHUNK);

/**
 * Decodes the UTF-8 [start, end), at most CHUNK bytes of whole characters,
 * into unitScratch from index 0; returns how many units it wrote. Encoded
 * surrogates become lone UTF-16 units, as CPython's 'surrogatepass' does.
 * The input is known valid: the scan checked it.
 */
function decodeUnits(bytes: Uint8Array, start: number, end: number): number {
  const units = unitScratch;
  let n = 0;
  for (let i = start; i < end; ) {
    const b0 = bytes[i];
    if (b0 < 0x80) {
      units[n++] = b0;
      i += 1;
    } else if (b0 < 0xe0) {
      units[n++] = ((b0 & 0x1f) << 6) | (bytes[i + 1] & 0x3f);
      i += 2;
    } else if (b0 < 0xf0) {
      units[n++] = ((b0 & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
      i += 3;
    } else {
      const code = (((b0 & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) | (bytes[i + 3] & 0x3f)) - 0x10000;
      units[n++] = 0xd800 | (code >> 10);
      units[n++] = 0xdc00 | (code & 0x3ff);
      i += 4;
    }
  }
  return n;
}

/** Latin-1 (and so ASCII): each byte is one code point. */
export function latin1String(bytes: Uint8Array, start: number, end: number): string {
  if (fromBytes !== null && end - start <= FROM_BYTES_MAX) return fromBytes[end - start](bytes, start);
  if (latin1Slice !== undefined) return latin1Slice.call(bytes, start, end);
  let text = '';
  for (let i = start; i < end; i += CHUNK) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + CHUNK)) as unknown as number[]);
  }
  return text;
}

/** Valid UTF-8 (surrogates kept: see decodeUnits), CHUNK bytes at a time, none cut inside a character. */
function surrogatePassString(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; ) {
    let stop = Math.min(end, i + CHUNK);
    while (stop < end && (bytes[stop] & 0xc0) === 0x80) stop--; // (a continuation byte)
    text += String.fromCharCode.apply(null, unitScratch.subarray(0, decodeUnits(bytes, i, stop)) as unknown as number[]);
    i = stop;
  }
  return text;
}

/**
 * A str of characters below U+0100 (how protocols 0–2 carry bytes, as
 * `_codecs.encode(str, 'latin1')`): its UTF-8 folded to one byte a
 * character, then made as a one-byte string — several times faster than
 * decoding UTF-8 into a two-byte string, which is what TextDecoder and
 * utf8Slice make (63 characters: 0.1 µs against 0.28).
 */
function latin1FromUtf8(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  eachFolded(bytes, start, end, (folded, from, to) => {
    text += latin1String(folded, from, to);
  });
  return text;
}

/** A STR_UNITS record's str: `count` UTF-16 units of `u16` from `start`. */
export function unitsString(u16: Uint16Array, start: number, count: number): string {
  if (fromUnits !== null) return fromUnits[count](u16, start);
  return String.fromCharCode.apply(null, u16.subarray(start, start + count) as unknown as number[]);
}

/** A STR record's string: taken from the session's string cache, or made (and kept there when the record says so). */
export function strOfRecord(cache: (string | undefined)[], bytes: Uint8Array, start: number, end: number, flags: number): string {
  if (flags & (StrFlag.CACHE_HIT | StrFlag.CACHE_STORE)) {
    const slot = (flags >>> StrCache.SLOT_SHIFT) & (StrCache.SLOTS - 1);
    const cached = cache[slot];
    if (flags & StrFlag.CACHE_HIT && cached !== undefined) return cached; // (never undefined while the sides agree)
    return (cache[slot] = latin1String(bytes, start, end));
  }
  return utf8String(bytes, start, end, flags);
}

/** A str payload the scan classified with `flags` (StrFlag). */
export function utf8String(bytes: Uint8Array, start: number, end: number, flags: number): string {
  if (flags & StrFlag.ASCII) return latin1String(bytes, start, end);
  if (flags & StrFlag.LATIN1) return latin1FromUtf8(bytes, start, end);
  if (fromUnits !== null && end - start <= FROM_UNITS_MAX) return fromUnits[decodeUnits(bytes, start, end)](unitScratch, 0);
  if (flags & StrFlag.SURROGATES) return surrogatePassString(bytes, start, end);
  if (utf8Slice !== undefined) return utf8Slice.call(bytes, start, end);
  return end - start < SHORT_STRING ? surrogatePassString(bytes, start, end) : utf8Decoder.decode(bytes.subarray(start, end));
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** The value of `digits` hex digits at `at`, or -1 if they are not all there and hex. */
function readHex(bytes: Uint8Array, at: number, digits: number, end: number): number {
  if (at + digits > end) return -1;
  let value = 0;
  for (let i = 0; i < digits; i++) {
    const digit = hexValue(bytes[at + i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

const SIMPLE_ESCAPES: Record<number, number> = {
  0x5c: 0x5c, 0x27: 0x27, 0x22: 0x22, 0x61: 0x07, 0x62: 0x08, 0x66: 0x0c,
  0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x76: 0x0b,
};

/** Python's codecs.escape_decode: the body of a STRING argument, unquoted and unescaped. */
export function escapeDecode(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let n = 0;
  for (let i = start; i < end; ) {
    const b = bytes[i++];
    if (b !== 0x5c) {
      out[n++] = b;
      continue;
    }
    if (i >= end) throw new UnpicklingError('trailing \\ in string');
    const c = bytes[i++];
    if (Object.hasOwn(SIMPLE_ESCAPES, c)) {
      out[n++] = SIMPLE_ESCAPES[c];
    } else if (c === 0x0a) {
      // backslash-newline: a line continuation, nothing
    } else if (c >= 0x30 && c <= 0x37) {
      let value = c - 0x30;
      for (let k = 0; k < 2 && i < end && bytes[i] >= 0x30 && bytes[i] <= 0x37; k++) value = value * 8 + bytes[i++] - 0x30;
      out[n++] = value & 0xff;
    } else if (c === 0x78) {
      const value = readHex(bytes, i, 2, end);
      if (value < 0) throw new UnpicklingError(`invalid \\x escape at position ${i - 2 - start}`);
      out[n++] = value;
      i += 2;
    } else {
      out[n++] = 0x5c;
      out[n++] = c;
    }
  }
  return out.subarray(0, n);
}

/** Python's raw-unicode-escape: latin-1 text with \uXXXX and \UXXXXXXXX escapes (UNICODE's argument). */
export function rawUnicodeEscapeDecode(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  let run = start;
  for (let i = start; i < end; ) {
    if (bytes[i] !== 0x5c) {
      i++;
      continue;
    }
    // An escape needs an odd number of backslashes before the u or U.
    let slashes = 1;
    while (i + slashes < end && bytes[i + slashes] === 0x5c) slashes++;
    const after = i + slashes;
    const letter = after < end ? bytes[after] : 0;
    if (slashes % 2 === 0 || (letter !== 0x75 && letter !== 0x55)) {
      i = after;
      continue;
    }
    const digits = letter === 0x75 ? 4 : 8;
    const code = readHex(bytes, after + 1, digits, end);
    if (code < 0) throw new UnpicklingError(`truncated \\${String.fromCharCode(letter)} escape`);
    if (code > 0x10ffff) throw new UnpicklingError('\\U escape beyond U+10FFFF');
    text += latin1String(bytes, run, after - 1) + String.fromCodePoint(code);
    i = run = after + 1 + digits;
  }
  return text + latin1String(bytes, run, end);
}

/** `bytes` decoded as UTF-8, or null if they are not valid UTF-8. */
export function strictUtf8String(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Is every byte (from start to end) below 0x80? */
export function isAscii(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  for (let i = start; i < end; i++) if (bytes[i] >= 0x80) return false;
  return true;
}
