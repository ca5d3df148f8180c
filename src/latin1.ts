// Latin-1 text both ways: protocols 0–2 carry bytes as a str of code points
// below U+0100 (`_codecs.encode(str, 'latin1')`), whose UTF-8 is one byte for
// each byte below 0x80 and a C2/C3 pair for each other. Long ones go through
// wasm's fold scratch a chunk at a time, never as a JS string; short ones
// through a JS loop, which beats the copy into wasm and the call.
import { Scratch } from './tape.js';
import { core, memory } from './wasm.js';

/** Latin-1 bytes unfolded a call: their UTF-8 (at most twice as many) fills the scratch's second half. */
const UNFOLD_CHUNK = Scratch.FOLD_CHUNK / 2;

/**
 * Copies [start, end) of `bytes` into the first half of wasm's fold scratch,
 * `size` bytes at a time, calling `each` with each chunk's length. No chunk
 * but the last ends on a byte from 0xC0 (for UTF-8: a C2/C3 stays with its
 * continuation byte; for latin-1 the cut just moves).
 */
function eachChunk(bytes: Uint8Array, start: number, end: number, size: number, each: (length: number) => void): void {
  const scratch = core.foldScratch();
  memory.refresh();
  for (let i = start; i < end; ) {
    let stop = Math.min(end, i + size);
    if (stop < end && bytes[stop - 1] >= 0xc0) stop--;
    memory.u8.set(bytes.subarray(i, stop), scratch);
    each(stop - i);
    i = stop;
  }
}

/**
 * Up to this many bytes of UTF-8 a JS loop folds faster than the copy into
 * wasm's scratch and the call (bytes half from 0x80 loaded at protocol 2: 80
 * characters 1.36 µs against 1.45, 400 2.23 against 1.85).
 */
const SHORT_UTF8 = 160;
/** Where the loop folds them: a new Uint8Array of over 64 bytes is a ~1 µs allocation outside V8's heap. */
let shortFolded: Uint8Array | null = null;

/**
 * Folds the UTF-8 [start, end) of `bytes` (StrFlag.LATIN1) to one byte a
 * character, a chunk at a time, calling `each` with where the chunk's bytes
 * are: [from, to) of `folded`, which is scratch (wasm memory for long ones,
 * which stays as it is until the next call into wasm).
 */
export function eachFolded(bytes: Uint8Array, start: number, end: number, each: (folded: Uint8Array, from: number, to: number) => void): void {
  if (end - start <= SHORT_UTF8) {
    const out = (shortFolded ??= new Uint8Array(SHORT_UTF8));
    let n = 0;
    for (let i = start; i < end; i++) {
      const byte = bytes[i];
      out[n++] = byte < 0x80 ? byte : ((byte & 0x03) << 6) | (bytes[++i] & 0x3f); // C2 or C3, then its continuation
    }
    return each(out, 0, n);
  }
  const folded = core.foldScratch() + Scratch.FOLD_CHUNK;
  eachChunk(bytes, start, end, Scratch.FOLD_CHUNK, (length) => {
    const made = core.foldLatin1(length);
    each(memory.u8, folded, folded + made);
  });
}

/** Folds the UTF-8 [start, end) of `bytes` (StrFlag.LATIN1) into `out`, one byte a character; returns how many. */
export function foldLatin1Into(bytes: Uint8Array, start: number, end: number, out: Uint8Array): number {
  let n = 0;
  eachFolded(bytes, start, end, (folded, from, to) => {
    out.set(folded.subarray(from, to), n);
    n += to - from;
  });
  return n;
}

/**
 * `_codecs.encode(str, 'latin1')` of the str whose UTF-8 is [start, end) of
 * `bytes` (StrFlag.LATIN1), made without the str: folded into an array of
 * exactly its characters, counted first (a 64 MiB bytes value at protocol 2
 * is then one fresh 64 MiB array, not also a str and the str's encoding).
 */
export function latin1BytesOfUtf8(bytes: Uint8Array, start: number, end: number): Uint8Array {
  let chars = 0;
  eachChunk(bytes, start, end, Scratch.FOLD_CHUNK, (length) => {
    chars += core.latin1Chars(length);
  });
  const out = new Uint8Array(chars);
  foldLatin1Into(bytes, start, end, out);
  return out;
}

/** The UTF-8 of the str whose latin-1 bytes are `bytes`, in an array of exactly its size (counted first). */
export function utf8OfLatin1(bytes: Uint8Array): Uint8Array {
  let length = 0;
  eachChunk(bytes, 0, bytes.length, Scratch.FOLD_CHUNK, (n) => {
    length += core.latin1Utf8Length(n);
  });
  const out = new Uint8Array(length);
  const unfolded = core.foldScratch() + Scratch.FOLD_CHUNK;
  let at = 0;
  eachChunk(bytes, 0, bytes.length, UNFOLD_CHUNK, (n) => {
    const made = core.unfoldLatin1(n, unfolded);
    out.set(memory.u8.subarray(unfolded, unfolded + made), at);
    at += made;
  });
  return out;
}

/**
 * Below this many bytes a JS loop unfolds faster than copying into the
 * scratch and calling wasm (a datetime's 10 bytes of state at protocol 2:
 * bm_pickle DICT dumped 5% slower through wasm).
 */
const SHORT_LATIN1 = 64;

/** Writes the UTF-8 of the str whose latin-1 bytes are `bytes` (at most half the scratch) at `to` in wasm memory; returns its length. */
export function unfoldLatin1Into(bytes: Uint8Array, to: number): number {
  if (bytes.length < SHORT_LATIN1) {
    const u8 = memory.u8;
    let at = to;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (byte < 0x80) u8[at++] = byte;
      else {
        u8[at++] = 0xc0 | (byte >> 6);
        u8[at++] = 0x80 | (byte & 0x3f);
      }
    }
    return at - to;
  }
  const scratch = core.foldScratch();
  memory.refresh();
  memory.u8.set(bytes, scratch);
  return core.unfoldLatin1(bytes.length, to);
}
