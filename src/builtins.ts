// JS stand-ins for the Python callables that CPython's pickles name for the
// built-in types (REDUCE arguments of set, frozenset, bytearray, bytes at
// protocols 0–2, complex, instances at protocols 0–1). They check their
// arguments: a pickle decides what they receive.
import { UnpicklingError } from './errors.js';
import { nodeBuffer } from './nodeBuffer.js';
import { newObject, typeName } from './objects.js';
import { type } from './byValue.js';
import { Range, Slice } from './stdlib/collections.js';
import { ByteArray, Complex, FrozenSet, PyObject, Tuple } from './types.js';

function items(value: unknown, callee: string): Iterable<unknown> {
  if (Array.isArray(value) || value instanceof Set || value instanceof Map) return value;
  if (typeof value === 'string') return value;
  throw new UnpicklingError(`${callee}() argument must be iterable, not ${typeName(value)}`);
}


const LATIN1 = new Set(['latin1', 'latin-1', 'iso-8859-1', 'iso8859-1', 'l1']);
const UTF8 = new Set(['utf-8', 'utf8', 'u8']);
const utf8Encoder = new TextEncoder();
/** From this many characters on, Node's latin-1 encoder beats the loop below (a bytes value of 10: 0.25 µs against 0.1). */
const NATIVE_LATIN1_MIN = 64;

/** str.encode(encoding) for the encodings pickles use. */
function encodeString(text: unknown, encoding: unknown, callee: string): Uint8Array {
  if (typeof text !== 'string') throw new UnpicklingError(`${callee}() expects a str, not ${typeName(text)}`);
  const name = typeof encoding === 'string' ? encoding.toLowerCase() : '';
  if (UTF8.has(name)) return utf8Encoder.encode(text);
  if (!LATIN1.has(name)) throw new UnpicklingError(`${callee}(): unsupported encoding ${String(encoding)}`);
  // Node's latin-1 encoder is native (protocols 0–2 carry every bytes value through it); short texts are quicker here
  if (nodeBuffer !== undefined && text.length >= NATIVE_LATIN1_MIN && !/[^\x00-\xff]/.test(text)) {
    const buffer = nodeBuffer.from(text, 'latin1');
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
  }
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new UnpicklingError(`${callee}(): character U+${code.toString(16)} is not latin-1`);
    bytes[i] = code;
  }
  return bytes;
}

/** The bytes of bytes(…) / bytearray(…) arguments. */
function byteContent(args: unknown[], callee: string): Uint8Array {
  const [source, encoding] = args;
  if (source === undefined) return new Uint8Array(0);
  if (typeof source === 'string') return encodeString(source, encoding, callee);
  if (source instanceof Uint8Array) return source;
  if (Array.isArray(source)) {
    const bytes = new Uint8Array(source.length);
    source.forEach((byte, i) => {
      if (typeof byte !== 'number' || !Number.isInteger(byte) || byte < 0 || byte > 255) {
        throw new UnpicklingError(`${callee}(): bytes must be in range(0, 256)`);
      }
      bytes[i] = byte;
    });
    return bytes;
  }
  throw new UnpicklingError(`${callee}() cannot convert ${typeName(source)}`);
}

function toNumber(value: unknown, callee: string): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw new UnpicklingError(`${callee}() argument must be a number, not ${typeName(value)}`);
}

/** int(x) for what a pickle may pass: numbers, bigints, bools and decimal text. */
function toInt(value: unknown = 0): number | bigint {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) {
    const n = BigInt(value.trim());
    return n >= -0x1fffffffffffffn && n <= 0x1fffffffffffffn ? Number(n) : n;
  }
  throw new UnpicklingError(`int() cannot convert ${typeName(value)}`);
}

/** float(x) for numbers, bigints, bools and Python's float text (nan, inf, …). */
function toFloat(value: unknown = 0): number {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return Number(value);
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase().replace(/^([+-]?)inf(inity)?$/, '$1Infinity');
    const n = text === 'nan' || text === '+nan' || text === '-nan' ? NaN : Number(text);
    if (!Number.isNaN(n) || text.endsWith('nan')) return n;
  }
  throw new UnpicklingError(`float() cannot convert ${typeName(value)}`);
}

/** Stand-ins for Python's builtins, as a pickle reaches them: `builtins.set(…)` and so on. */
export const builtins = {
  type,
  list: (iterable: unknown = []) => [...items(iterable, 'list')],
  tuple: (iterable: unknown = []) => Tuple.fromArray([...items(iterable, 'tuple')]),
  dict: (mapping: unknown = []) => new Map(mapping instanceof Map ? mapping : (items(mapping, 'dict') as Iterable<[unknown, unknown]>)),
  int: toInt,
  float: toFloat,
  str: (value: unknown = '') => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
    throw new UnpicklingError(`str() of ${typeName(value)} is not supported`);
  },
  bool: (value: unknown = false) => Boolean(value),
  range: Range,
  slice: Slice,
  set: (iterable: unknown = []) => new Set(items(iterable, 'set')),
  frozenset: (iterable: unknown = []) => new FrozenSet(items(iterable, 'frozenset')),
  bytearray: (...args: unknown[]) => new ByteArray(byteContent(args, 'bytearray')),
  bytes: (...args: unknown[]) => Uint8Array.from(byteContent(args, 'bytes')),
  complex: (real?: unknown, imag?: unknown) => new Complex(toNumber(real, 'complex'), toNumber(imag, 'complex')),
  /** object() makes an empty plain object; as a base class it stands for "no base". */
  object: Object.assign(() => ({}), { __new__: () => ({}) }),
};

/**
 * @internal A str of code points below U+0100 held as its latin-1 bytes, in
 * place of the str where only `_codecs.encode(str, 'latin1')` (bytes at
 * protocols 0–2) takes it: loads passes one to codecsEncode (see Unpickler's
 * onlyEncodedToLatin1), dumps writes one as a bytes value's text.
 */
export class Latin1Str {
  constructor(readonly bytes: Uint8Array) {}
}

/** _codecs.encode(str, encoding): how protocols 0–2 write bytes. */
export function codecsEncode(text: unknown, encoding: unknown = 'utf-8'): Uint8Array {
  if (text instanceof Latin1Str) return text.bytes;
  return encodeString(text, encoding, '_codecs.encode');
}

/**
 * copyreg._reconstructor(cls, base, state): instances at protocols 0–1. With
 * base `object` (all that is supported) `state` is unused; the instance's
 * attributes follow in a BUILD.
 */
export function reconstructor(cls: unknown, base: unknown): unknown {
  if (base !== builtins.object) {
    throw new UnpicklingError(`copyreg._reconstructor: base ${typeName(base)} is not supported (only object)`);
  }
  if (cls instanceof PyObject) return new PyObject(cls.module, cls.qualname, 'reconstructor', []);
  return newObject(cls, []);
}

/** copyreg.__newobj__(cls, *args): cls.__new__(cls, *args). */
export function newobj(cls: unknown, ...args: unknown[]): unknown {
  return newObject(cls, args);
}

/** copyreg.__newobj_ex__(cls, args, kwargs). */
export function newobjEx(cls: unknown, args: unknown, kwargs: unknown): unknown {
  if (!Array.isArray(args)) throw new UnpicklingError('__newobj_ex__ args must be a tuple');
  return newObject(cls, args, kwargs);
}
