// The names a GLOBAL or INST argument gives ("module\nname\n"), cached by the
// argument's bytes: a pickle names few globals, and a service loads pickles
// of the same few classes again and again. A hash of the bytes, taken while
// looking for the line's end, finds the entry; a compare of the bytes makes
// sure. Making the line a string to look it up cost ~110 ns a GLOBAL
// (bm_pickle DICT names two at protocol 2).
import { fixImport } from './compat.js';
import { UnpicklingError } from './errors.js';
import { latin1String, strictUtf8String } from './strings.js';

/** The names a GLOBAL or INST argument gives, and their Python 3 names (fixImport). */
export interface GlobalNames {
  given: [string, string];
  fixed: [string, string];
}

interface CachedLine {
  /** The argument's bytes, without its last newline. */
  readonly bytes: Uint8Array;
  readonly names: GlobalNames;
}

/** Bounded: a pickle may name any number of globals. */
const MAX_CACHED = 1024;
const cache = new Map<number, CachedLine>();

function sameBytes(cached: Uint8Array, data: Uint8Array, start: number): boolean {
  for (let i = 0; i < cached.length; i++) if (cached[i] !== data[start + i]) return false;
  return true;
}

/**
 * The names of the argument at `start`, whose module takes `moduleLength`
 * bytes; the scan has checked that both lines end with a newline.
 */
export function globalNamesAt(data: Uint8Array, start: number, moduleLength: number): GlobalNames {
  const nameStart = start + moduleLength + 1;
  let hash = 0x811c9dc5; // FNV-1a, over both lines
  let high = 0; // any byte's bit 7: not ASCII
  let end = start;
  for (let byte = data[end]; (end < nameStart || byte !== 0x0a) && end < data.length; byte = data[++end]) {
    hash = Math.imul(hash ^ byte, 0x01000193);
    high |= byte;
  }
  const cached = cache.get(hash);
  if (cached !== undefined && cached.bytes.length === end - start && sameBytes(cached.bytes, data, start)) return cached.names;
  const ascii = high < 0x80;
  const module = ascii ? latin1String(data, start, nameStart - 1) : strictUtf8String(data.subarray(start, nameStart - 1));
  const qualname = ascii ? latin1String(data, nameStart, end) : strictUtf8String(data.subarray(nameStart, end));
  if (module === null || qualname === null) throw new UnpicklingError('a global name is not valid UTF-8');
  const names: GlobalNames = { given: [module, qualname], fixed: fixImport(module, qualname) };
  if (cache.size < MAX_CACHED || cached !== undefined) cache.set(hash, { bytes: data.slice(start, end), names });
  return names;
}
