// Strs a dump has written, by value → their memo index, for writing an equal
// str again as a GET (CPython shares the str objects its data shares: interned
// keys, constants). A direct-mapped cache, not a Map: a Map that grows with
// every new str cost more than CPython's whole save of a record. A collision
// only means a str is written again (dict keys, always shared, go through the
// memo Map: they are few, and V8 keeps their hashes).
const SLOTS = 4096;
/** Longer strs are not cached (the cache would keep them alive between dumps). */
export const CACHED_LENGTH = 64;

const strings: (string | undefined)[] = new Array(SLOTS).fill(undefined);
/** Each slot's full hash: a lookup that misses is told by it, without reading the str kept there (a cache miss, elsewhere in the heap). */
const hashes = new Int32Array(SLOTS);
const indices = new Int32Array(SLOTS);
/** Which dump wrote each slot: a dump only sees its own entries, so nested dumps cannot mix memo indices. */
const owners = new Float64Array(SLOTS); // dump numbers past 2^32 without wrapping

/**
 * FNV-1a over the UTF-16 code units (at most CACHED_LENGTH of them). Every
 * unit: a hash of 8 sampled ones was 4x cheaper on a 37-character URL, but
 * the 100k records' emails, alike but for their digits, then shared slots and
 * evicted the strs that repeat (the output grew 17%, past CPython's).
 */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

function slotOf(hash: number): number {
  return (hash ^ (hash >>> 16)) & (SLOTS - 1);
}

export class StringMemo {
  private owner = 0;

  /** Starts dump number `dump` (keyTable's beginDump: unique in the process): what other dumps cached is no longer seen. */
  begin(dump: number): void {
    this.owner = dump;
  }

  /** The hash that get() and set() take for `text`. */
  hash(text: string): number {
    return hashOf(text);
  }

  /** The memo index of `text` (of hash `hash`) if this dump wrote it and it is still in its slot, or -1. */
  get(hash: number, text: string): number {
    const slot = slotOf(hash);
    return owners[slot] === this.owner && hashes[slot] === hash && strings[slot] === text ? indices[slot] : -1;
  }

  /** Notes that `text` (at most CACHED_LENGTH long, of hash `hash`) is in the memo at `index`. */
  set(hash: number, text: string, index: number): void {
    const slot = slotOf(hash);
    strings[slot] = text;
    hashes[slot] = hash;
    indices[slot] = index;
    owners[slot] = this.owner;
  }
}
