// What a dump has written and may write again as a GET: objects by identity,
// and dict keys outside keyTable by value, each with its memo index.

/**
 * Entries kept in two arrays and found by a search in order, before all go
 * into a Map: most dumps memoize a handful of containers, and a Map entry for
 * a new object costs ~50 ns here (V8 first gives the object an identity
 * hash), where a search of a few costs a few.
 */
const LINEAR_MAX = 16;

export class DumpMemo {
  private keys: unknown[] = [];
  private indices: number[] = [];
  private map: Map<unknown, number> | null = null;

  get(key: unknown): number | undefined {
    if (this.map !== null) return this.map.get(key);
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return this.indices[i];
    return undefined;
  }

  has(key: unknown): boolean {
    return this.get(key) !== undefined;
  }

  /** Adds `key`, which it does not hold. */
  set(key: unknown, index: number): void {
    if (this.map === null && this.keys.length < LINEAR_MAX) {
      this.keys.push(key);
      this.indices.push(index);
      return;
    }
    if (this.map === null) {
      this.map = new Map();
      for (let i = 0; i < this.keys.length; i++) this.map.set(this.keys[i], this.indices[i]);
      this.keys = [];
      this.indices = [];
    }
    this.map.set(key, index);
  }

  /** Forgets everything (a Pickler that dumps again). */
  clear(): void {
    if (this.map === null && this.keys.length === 0) return;
    this.keys = [];
    this.indices = [];
    this.map = null;
  }
}
