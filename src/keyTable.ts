// The strs that dumps write through StrTables: dict keys (a dict of a shape
// met before finds each key by a compare, at its position), and short str
// values (found by a compare too where one was met before: under the same
// key, at the same place of a list). Keys and values have tables of their
// own, so that dumps of many unique values never push the keys out.
import { startGlobalsOverIfFull } from './globalTable.js';
import { StrTable, type StrEntry } from './strTable.js';

/**
 * The most distinct str values a dump shares through the value table (see
 * Pickler.saveTableStr): the table has room for as many at every dump's start.
 */
export const VALUE_STRS_PER_DUMP = 512;
const keys = new StrTable(64 * 1024, 3);
const values = new StrTable(256 * 1024, VALUE_STRS_PER_DUMP);

let dumps = 0;
/** Dumps in progress: only with none may a full table start over. */
let active = 0;

/**
 * A dump begins: its number, unique in the process. With no other dump in
 * progress, the process's tables (keys, str values, globals) start over here
 * if full: their entries hold memo indices and addresses a dump relies on.
 */
export function beginDump(): number {
  if (active === 0) {
    startGlobalsOverIfFull();
    keys.startOverIfFull();
    if (values.startOverIfFull()) keys.forgetLastValues(); // their bytes are overwritten next
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

/** keyEntry() of the key at `position` of a plain dict (StrTable.entryAt). */
export function keyEntryAt(key: string, position: number): StrEntry | undefined {
  return keys.entryAt(key, position);
}

/** The entry of str value `value`, made if there is room; undefined for long strs and when the table is full. */
export function valueEntry(value: string): StrEntry | undefined {
  return values.entry(value);
}

/** valueEntry() of the str value at `position` of a list or tuple (StrTable.entryAt). */
export function valueEntryAt(value: string, position: number): StrEntry | undefined {
  return values.entryAt(value, position);
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
