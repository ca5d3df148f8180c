// Strings into bytes, for dumps: UTF-8 as CPython writes str (lone surrogates
// too, with 'surrogatepass'), raw-unicode-escape for protocol 0, latin-1.
import { nodeBuffer, type NativeBytes } from './nodeBuffer.js';

const encoder = new TextEncoder();

/** Most UTF-8 bytes a JS string can take: 3 per UTF-16 unit. */
export function maxUtf8Length(text: string): number {
  return text.length * 3;
}

/** Has `text` a surrogate that is not part of a pair (which TextEncoder would replace)? */
const isWellFormed: (text: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (text) => (text as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (text) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);

/** From this many UTF-16 units on, Node's native UTF-8 writer beats a JS loop (~3 ns a code unit here). */
const NATIVE_MIN = 24;
/** A non-ASCII rest shorter than this is encoded here: encodeInto's slice and subarray cost more. */
const ENCODE_INTO_MIN = 64;


/** A view of `buffer` with a native UTF-8 writer, where there is one (Node). */
export function nativeBytes(buffer: ArrayBuffer): NativeBytes | null {
  return typeof nodeBuffer?.prototype.utf8Write === 'function' ? nodeBuffer.from(buffer) : null;
}

/**
 * Writes `text` as UTF-8 (surrogatepass) at `at`; the caller has made room
 * for maxUtf8Length(text). `native`, if given, views the same memory as
 * `bytes`. Returns the bytes written.
 */
export function writeUtf8(text: string, bytes: Uint8Array, at: number, native: NativeBytes | null = null): number {
  const n = text.length;
  if (native !== null && n >= NATIVE_MIN && isWellFormed(text)) return native.utf8Write(text, at, maxUtf8Length(text));
  let i = 0;
  for (; i < n; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) break;
    bytes[at + i] = code;
  }
  if (i === n) return n;
  if (n - i >= ENCODE_INTO_MIN && isWellFormed(text)) return i + encoder.encodeInto(text.slice(i), bytes.subarray(at + i)).written;
  let p = at + i;
  for (; i < n; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code < 0xdc00 && i + 1 < n) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (code < 0x80) {
      bytes[p++] = code;
    } else if (code < 0x800) {
      bytes[p++] = 0xc0 | (code >> 6);
      bytes[p++] = 0x80 | (code & 0x3f);
    } else if (code < 0x10000) {
      bytes[p++] = 0xe0 | (code >> 12);
      bytes[p++] = 0x80 | ((code >> 6) & 0x3f);
      bytes[p++] = 0x80 | (code & 0x3f);
    } else {
      bytes[p++] = 0xf0 | (code >> 18);
      bytes[p++] = 0x80 | ((code >> 12) & 0x3f);
      bytes[p++] = 0x80 | ((code >> 6) & 0x3f);
      bytes[p++] = 0x80 | (code & 0x3f);
    }
  }
  return p - at;
}

/** `text` as UTF-8 (surrogatepass), in a new array. */
export function utf8Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(maxUtf8Length(text));
  return bytes.subarray(0, writeUtf8(text, bytes, 0));
}

const hex4 = (code: number) => code.toString(16).padStart(4, '0');

/**
 * Protocol 0's UNICODE argument, as pickle.py writes it: raw-unicode-escape
 * with backslash, NUL, CR, LF and ^Z escaped too, so the line stays one line.
 * Returned as a latin-1 string (every code unit below 0x100).
 */
export function rawUnicodeEscape(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x5c || code === 0x00 || code === 0x0a || code === 0x0d || code === 0x1a) {
      out += '\\u' + hex4(code);
    } else if (code < 0x100) {
      out += text[i];
    } else if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length && text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) < 0xe000) {
      out += '\\U' + text.codePointAt(i)!.toString(16).padStart(8, '0');
      i++;
    } else {
      out += '\\u' + hex4(code);
    }
  }
  return out;
}

/** A string whose code units are all below 0x100, one byte each, in a new array. */
export function latin1Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  writeLatin1(text, bytes, 0);
  return bytes;
}

/** Writes a string whose code units are all below 0x100 as one byte each. */
export function writeLatin1(text: string, bytes: Uint8Array, at: number): number {
  for (let i = 0; i < text.length; i++) bytes[at + i] = text.charCodeAt(i);
  return text.length;
}
