// What a dump has written and may write again as a GET: objects by identity,
// and dict keys outside keyTable by value, each with its memo index.

/**
 * Entries kept in one array, key then index, and found by a search in order,
 * before all go into a Map: most dumps memoize a handful of containers, and a
 * Map entry for a new object costs ~50 ns here (V8 first gives the object an
 * identity hash), where a search of a few costs a few. The array is made at
 * its full size, at the first entry: growing it was a runtime call in every
 * dump, and a dump of an atom needs none.
 */
const LINEAR_MAX = 16;

/** The array of a memo emptied last, kept for the next (a dumps() call's Pickler is new: its array would be too). */
let spare: unknown[] | null = null;

export class DumpMemo {
  private entries: unknown[] | null = null;
  private count = 0;
  private map: Map<unknown, number> | null = null;

  get(key: unknown): number | undefined {
    if (this.map !== null) return this.map.get(key);
    const entries = this.entries;
    if (entries === null) return undefined;
    for (let i = 0, end = 2 * this.count; i < end; i += 2) if (entries[i] === key) return entries[i + 1] as number;
    return undefined;
  }

  has(key: unknown): boolean {
    return this.get(key) !== undefined;
  }

  /** Adds `key`, which it does not hold. */
  set(key: unknown, index: number): void {
    if (this.map === null && this.count < LINEAR_MAX) {
      let entries = this.entries;
      if (entries === null) {
        entries = this.entries = spare ?? new Array(2 * LINEAR_MAX);
        spare = null;
      }
      entries[2 * this.count] = key;
      entries[2 * this.count + 1] = index;
      this.count++;
      return;
    }
    if (this.map === null) {
      const entries = this.entries!;
      this.map = new Map();
      for (let i = 0; i < 2 * this.count; i += 2) this.map.set(entries[i], entries[i + 1] as number);
      this.entries = null;
    }
    this.map.set(key, index);
  }

  /** Forgets everything, and keeps the array, emptied, for the next memo. */
  clear(): void {
    if (this.map === null && this.count === 0) return;
    const entries = this.entries;
    if (entries !== null) {
      for (let i = 0, end = 2 * this.count; i < end; i++) entries[i] = undefined; // nothing written stays reachable
      spare = entries;
    }
    this.entries = null;
    this.count = 0;
    this.map = null;
  }
}
