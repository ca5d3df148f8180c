// The strs that dumps write through StrTables: dict keys (a dict of a shape
// met before finds each key by a compare, at its position), and short str
// values (found by a compare too where one was met before: under the same
// key, at the same place of a list). Keys and values have tables of their
// own, so that dumps of many unique values never push the keys out.
import { StrTable, type StrEntry } from './strTable.js';

/**
 * The most distinct str values a dump shares through the value table (see
 * Pickler.saveTableStr): the table has room for as many at every dump's start.
 */
export const VALUE_STRS_PER_DUMP = 512;
const keys = new StrTable(64 * 1024, 3);
const values = new StrTable(256 * 1024, VALUE_STRS_PER_DUMP);

/**
 * The entry of the key last met at each position of a dict (see keyEntryAt):
 * records, and a dict dumped again, find their keys by a compare each, not a
 * Map lookup (bm_pickle DICT dumps 0.91 of its time with them).
 */
const byPosition: (StrEntry | undefined)[] = [];
/** The entry of the str value last met at each position of a list or tuple (see valueEntryAt). */
const valuesByPosition: (StrEntry | undefined)[] = [];
const MAX_POSITIONS = 64;
let dumps = 0;
/** Dumps in progress: only with none may a full table start over. */
let active = 0;

/** A dump begins: its number, unique in the process. */
export function beginDump(): number {
  if (active === 0) {
    if (keys.startOverIfFull()) byPosition.length = 0;
    if (values.startOverIfFull()) {
      // their bytes are overwritten next
      keys.forgetLastValues();
      valuesByPosition.length = 0;
    }
  }
  active++;
  return ++dumps;
}

export function endDump(): void {
  active--;
}

/** The entry of dict key `key`, made if there is room; undefined for long keys and when the table is full. */
export function keyEntry(key: string): StrEntry | undefined {
  return keys.entry(key);
}

/** keyEntry() of the key at `position` of a plain dict (nested dicts take the positions over: then it is keyEntry's lookup). */
export function keyEntryAt(key: string, position: number): StrEntry | undefined {
  const last = byPosition[position];
  if (last !== undefined && last.text === key) return last;
  const entry = keys.entry(key);
  if (entry !== undefined && position < MAX_POSITIONS) byPosition[position] = entry;
  return entry;
}

/** The entry of str value `value`, made if there is room; undefined for long strs and when the table is full. */
export function valueEntry(value: string): StrEntry | undefined {
  return values.entry(value);
}

/** valueEntry() of the str value at `position` of a list or tuple (lists of one shape, a list dumped again: a compare). */
export function valueEntryAt(value: string, position: number): StrEntry | undefined {
  const last = valuesByPosition[position];
  if (last !== undefined && last.text === value) return last;
  const entry = values.entry(value);
  if (entry !== undefined && position < MAX_POSITIONS) valuesByPosition[position] = entry;
  return entry;
}

/**
 * valueEntry() of a str value under the dict key of entry `key`: the entry
 * last found there if it holds the same str (a dict dumped again, records'
 * repeated values), a compare, not a Map lookup (bm_pickle DICT dumps ~0.9 of its time).
 */
export function valueEntryUnder(key: StrEntry, value: string): StrEntry | undefined {
  const last = key.lastValue;
  if (last !== undefined && last.text === value) return last;
  const entry = values.entry(value);
  key.lastValue = entry;
  return entry;
}
