// The encoder's table of value strs written (SharedStrs in src/tape.ts): a
// direct-mapped cache by the hash of their UTF-8, one for the process, each
// slot stamped with the dump that wrote it so that a dump sees only its own
// (a dump inside another, through a hook, only evicts the outer one's strs:
// they are written again, never fetched by a wrong index). Hashing the bytes
// here costs ~0.3 ns a byte; hashing the JS string's code units cost ~3.3 ns
// each and most of a short str's dump.
import { SharedStrs } from "../src/tape";
import { foldHash, mixWord, slotOf, wordOf } from "./words";

let table: usize = 0;

/** What find() returns when it made no lookup: the str is written without a memo store. */
export const NOT_SHARED: i32 = -2;
/** What find() returns when it added the str: it is written with a memo store at the index given. */
export const ADDED: i32 = -1;

/** Allocates the table, once. */
export function allocateSharedStrs(): void {
  if (table != 0) return;
  const size = <usize>SharedStrs.SLOTS * SharedStrs.ENTRY_BYTES;
  table = heap.alloc(size);
  clearSharedStrs();
}

/** Empties every slot (when the stamps start over). */
export function clearSharedStrs(): void {
  memory.fill(table, 0, <usize>SharedStrs.SLOTS * SharedStrs.ENTRY_BYTES);
}

/** Do the n bytes at p equal those of the slot at entry, written by dump `stamp` with hash `hash`? */
@inline function holds(entry: usize, p: usize, n: u32, stamp: u32, hash: u32): bool {
  if (load<u32>(entry) != stamp || load<u32>(entry, 4) != hash || load<u32>(entry, 8) != n) return false;
  let i: u32 = 0;
  while (i < n && wordOf(p, i, n) == load<u64>(entry + 16 + i)) i += 8;
  return i >= n;
}

/**
 * Looks up the n bytes at p among the strs dump `stamp` wrote: the memo index
 * of the one they equal; else, if n allows, ADDED, a slot now holding them
 * with memo index `index`; else NOT_SHARED. A hash picks a pair of slots
 * (a str is lost only when two others of its pair come after it, not one: 60
 * strs in 4096 direct-mapped slots collided as often as not); a new str takes
 * a free one (of another dump), else the first, whose str moves to the second.
 */
export function find(p: usize, n: u32, stamp: u32, index: u32): i32 {
  if (n > <u32>SharedStrs.MAX_LENGTH) return NOT_SHARED;
  let h: u64 = n;
  for (let i: u32 = 0; i < n; i += 8) h = mixWord(h, wordOf(p, i, n));
  const hash = foldHash(h);
  const first = table + <usize>(slotOf(hash, ctz<u32>(SharedStrs.SLOTS) - 1) << 1) * SharedStrs.ENTRY_BYTES;
  const second = first + SharedStrs.ENTRY_BYTES;
  if (holds(first, p, n, stamp, hash)) return <i32>load<u32>(first, 12);
  if (holds(second, p, n, stamp, hash)) return <i32>load<u32>(second, 12);
  let entry = first;
  if (load<u32>(first) == stamp) {
    if (load<u32>(second) != stamp) entry = second;
    else memory.copy(second, first, SharedStrs.ENTRY_BYTES);
  }
  store<u32>(entry, stamp);
  store<u32>(entry, hash, 4);
  store<u32>(entry, n, 8);
  store<u32>(entry, index, 12);
  for (let i: u32 = 0; i < n; i += 8) store<u64>(entry + 16 + i, wordOf(p, i, n));
  return ADDED;
}
