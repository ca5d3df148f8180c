// A process-wide table of short strs that dumps write, by value: each one's
// UTF-8 is written once into a block of wasm memory (the encoder copies it
// from there: RecFlag.ADDRESS), so a str the table knows costs a Map lookup
// (V8 keeps a string's hash in it), not its encoding, as CPython keeps a
// str's UTF-8 in the str object. An entry also holds the dump that last wrote
// the str and the memo index it got there: a str met again in that dump is a
// GET (a dump inside another, through a hook, may take an entry over: the
// outer dump then writes the str again, never a wrong GET).
import { maxUtf8Length, writeUtf8 } from './textEncoding.js';
import { core, memory } from './wasm.js';

export interface StrEntry {
  readonly text: string;
  /** Where the str's UTF-8 is in wasm memory, and its length. */
  readonly address: number;
  readonly length: number;
  /** The dump (beginDump's number) that last wrote the str (0: none yet), and the memo index it got there. */
  dump: number;
  index: number;
  /** A dict key's: the entry of the str value last written under it (see entryUnder). */
  lastValue: StrEntry | undefined;
}

export const enum StrTableLimit {
  /** Longer strs are written as any. */
  MAX_LENGTH = 64,
}
/** The most UTF-8 bytes a str of the table takes (3 a UTF-16 unit). */
const MAX_ENTRY_BYTES = 3 * StrTableLimit.MAX_LENGTH;
/** Positions remembered: a container's whole batch (dicts of 200 keys dump in 0.89 of their time with 1000, not 64). */
const MAX_POSITIONS = 1000;

export class StrTable {
  private readonly entries = new Map<string, StrEntry>();
  private block = 0;
  private used = 0;
  /** The entry last found at each position of a container (see keyAt). */
  private readonly byPosition = new Array<StrEntry | undefined>(MAX_POSITIONS); // (made whole: filled out of order, a growing array may turn sparse)

  /** A table of `blockBytes` of UTF-8 that has room for `reserved` more strs at the start of every dump (see startOverIfFull). */
  constructor(private readonly blockBytes: number, private readonly reserved: number) {}

  /** Empties the table if it may lack room for `reserved` more strs; only between dumps (their records point into the block). Returns whether it did. */
  startOverIfFull(): boolean {
    if (this.used + this.reserved * MAX_ENTRY_BYTES <= this.blockBytes) return false;
    this.entries.clear(); // the strs in use now take it over
    this.used = 0;
    this.byPosition.fill(undefined);
    return true;
  }

  /** Forgets every entry's lastValue (the table they are entries of started over). */
  forgetLastValues(): void {
    for (const entry of this.entries.values()) entry.lastValue = undefined;
  }

  /**
   * entry() of the dict key at `position` of a dict: dicts of one shape
   * (records, one dumped again) find theirs by a compare, not a Map lookup
   * (bm_pickle DICT dumps 0.91 of its time with its keys so found); nested
   * ones take the positions over, and then it is entry()'s lookup. Keys only:
   * V8 keeps property names internalized, so TurboFan, taught by this
   * method's own feedback, compares them as pointers; one other str compared
   * here made every compare a StringEqual call (~45 instructions a key).
   */
  keyAt(text: string, position: number): StrEntry | undefined {
    const last = this.byPosition[position];
    if (last !== undefined && last.text === text) return last;
    return this.lookUpAt(text, position);
  }

  /** keyAt() of a list's str item: the same, with a compare of its own (see keyAt). */
  itemAt(text: string, position: number): StrEntry | undefined {
    const last = this.byPosition[position];
    if (last !== undefined && last.text === text) return last;
    return this.lookUpAt(text, position);
  }

  /** keyAt() past its compare (a method of its own: see EncodeSession.record on inlining). */
  private lookUpAt(text: string, position: number): StrEntry | undefined {
    const entry = this.entry(text);
    if (entry !== undefined && position < MAX_POSITIONS) this.byPosition[position] = entry;
    return entry;
  }

  /**
   * entry() of a str value under the dict key of entry `key` (of another
   * table): the entry last found there if it holds the same str (a dict
   * dumped again, records' repeated values), a compare, not a Map lookup
   * (bm_pickle DICT dumps ~0.9 of its time).
   */
  entryUnder(key: StrEntry, value: string): StrEntry | undefined {
    const last = key.lastValue;
    if (last !== undefined && last.text === value) return last;
    return this.lookUpUnder(key, value);
  }

  /** entryUnder() past its compare. */
  private lookUpUnder(key: StrEntry, value: string): StrEntry | undefined {
    const entry = this.entry(value);
    key.lastValue = entry;
    return entry;
  }

  /** The entry of `text`, made if there is room; undefined for long strs and when the table is full. */
  entry(text: string): StrEntry | undefined {
    const known = this.entries.get(text);
    if (known !== undefined || text.length > StrTableLimit.MAX_LENGTH) return known;
    if (this.used + maxUtf8Length(text) > this.blockBytes) return undefined;
    if (this.block === 0) {
      this.block = core.allocateBlock(this.blockBytes);
      memory.refresh();
    }
    const length = writeUtf8(text, memory.u8, this.block + this.used, memory.text);
    const entry: StrEntry = { text, address: this.block + this.used, length, dump: 0, index: 0, lastValue: undefined };
    this.used += length;
    this.entries.set(text, entry);
    return entry;
  }
}
