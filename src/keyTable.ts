// The strs that dumps write through StrTables: dict keys (a dict of a shape
// met before finds each key by a compare, at its position), and short str
// values (found by a compare too where one was met before: under the same
// key, at the same place of a list). Keys and values have tables of their
// own, so that dumps of many unique values never push the keys out.
import { startGlobalsOverIfFull } from './globalTable.js';
import { StrTable } from './strTable.js';

export const enum ValueTable {
  /** The most distinct str values a dump shares through the value table (see Pickler.saveTableStr). */
  STRS_PER_DUMP = 512,
}

/** Dict keys. */
export const keyTable = new StrTable(64 * 1024, 3);
/** Short str values (Pickler.saveTableStr): it has room for ValueTable.STRS_PER_DUMP more at every dump's start. */
export const valueTable = new StrTable(256 * 1024, ValueTable.STRS_PER_DUMP);

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
    keyTable.startOverIfFull();
    if (valueTable.startOverIfFull()) keyTable.forgetLastValues(); // their bytes are overwritten next
  }
  active++;
  return ++dumps;
}

export function endDump(): void {
  active--;
}
