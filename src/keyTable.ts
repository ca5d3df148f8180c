// Dict keys that dumps write, by value, for the whole process: each key's
// UTF-8 is written once into wasm memory (the encoder copies it from there,
// RecFlag.ADDRESS), and each entry holds the memo index the key got in the
// dump that last wrote it. A key met again in that dump is a GET; in a later
// dump it costs a Map lookup, not its encoding and the memo's Map.set (bm_pickle
// DICT's 20 keys: most of its str work), and a key at the place in a dict
// where the last dict written had it, a compare. A dump inside another (a hook)
// may take an entry over: the outer dump then writes the key again, never a
// wrong GET.
import { maxUtf8Length, writeUtf8 } from './textEncoding.js';
import { core, memory } from './wasm.js';

export interface KeyEntry {
  readonly key: string;
  /** Where the key's UTF-8 is in wasm memory, and its length. */
  readonly address: number;
  readonly length: number;
  /** The dump (beginDump's number) that last wrote the key, and the memo index it got there. */
  dump: number;
  index: number;
  /** The str value last written under the key, by the dump `valueDump`, and the memo index it got there (see Pickler.saveValueOf). */
  value: string;
  valueDump: number;
  valueIndex: number;
}

const BLOCK_BYTES = 64 * 1024;
/** Longer keys are written as any str. */
const MAX_KEY_LENGTH = 64;

const entries = new Map<string, KeyEntry>();
/**
 * The entry of the key last met at each position of a dict (see keyEntryAt):
 * records, and a dict dumped again, find their keys by a compare each, not a
 * Map lookup (bm_pickle DICT dumps 0.91 of its time with them).
 */
const byPosition: (KeyEntry | undefined)[] = [];
const MAX_POSITIONS = 64;
let block = 0;
let used = 0;
let dumps = 0;
/** Dumps in progress: only with none may a full table start over (their records point into the block). */
let active = 0;

/** A dump begins: its number, unique in the process. */
export function beginDump(): number {
  if (active === 0 && used + 3 * MAX_KEY_LENGTH > BLOCK_BYTES) {
    entries.clear(); // full: the keys in use now take it over
    byPosition.length = 0;
    used = 0;
  }
  active++;
  return ++dumps;
}

export function endDump(): void {
  active--;
}

/** The entry of `key`, made if there is room; undefined for long keys and when the table is full. */
export function keyEntry(key: string): KeyEntry | undefined {
  const known = entries.get(key);
  if (known !== undefined || key.length > MAX_KEY_LENGTH) return known;
  if (used + maxUtf8Length(key) > BLOCK_BYTES) return undefined;
  if (block === 0) {
    block = core.allocateBlock(BLOCK_BYTES);
    memory.refresh();
  }
  const length = writeUtf8(key, memory.u8, block + used, memory.text);
  const entry: KeyEntry = { key, address: block + used, length, dump: 0, index: 0, value: '', valueDump: 0, valueIndex: 0 };
  used += length;
  entries.set(key, entry);
  return entry;
}

/** keyEntry() of the key at `position` of a plain dict (nested dicts take the positions over: then it is keyEntry's lookup). */
export function keyEntryAt(key: string, position: number): KeyEntry | undefined {
  const last = byPosition[position];
  if (last !== undefined && last.key === key) return last;
  const entry = keyEntry(key);
  if (entry !== undefined && position < MAX_POSITIONS) byPosition[position] = entry;
  return entry;
}
