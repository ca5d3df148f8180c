// The wasm core's exports: sessions (one per load in progress, so nested and
// interleaved loads never share state) and the scanner.
import { Field, Frame, KeyOrders, Layout, StrCache, StrUnits } from "../src/tape";
import { getField, setField } from "./session";

export { scan, errorReason } from "./scanner";
export { findReferenced } from "./memoScan";
export { foldScratch, foldLatin1, latin1Chars, latin1Utf8Length, unfoldLatin1 } from "./utf8";
export { encode } from "./encoder";
export { clearSharedStrs } from "./sharedStrs";
import { allocateSharedStrs } from "./sharedStrs";

/** Bytes allocated past a window's end, so that an 8-byte load anywhere in it stays in its block. */
const WINDOW_SLACK: usize = 8;
/** Bytes allocated past the area of decoded strs: decodeStr stores eight units at a time. */
const UNITS_SLACK: usize = 16;


/**
 * Allocates a session block with its window (input when loading, output when
 * dumping), tape, arena (payloads JS encodes for dumping; 0: none), when
 * `strCache` (loading) a string cache, a table of key orders and an area
 * for decoded strs (StrUnits), and when `memoIndices` (dumping) room for
 * that many of its memo indices (SharedStrs).
 */
export function newSession(windowCap: u32, tapeCap: u32, arenaCap: u32, strCache: bool, memoIndices: u32): usize {
  const size = <usize>Field.COUNT << 2;
  const session = heap.alloc(size);
  memory.fill(session, 0, size);
  setField(session, Field.WINDOW, <u32>heap.alloc(<usize>windowCap + WINDOW_SLACK));
  setField(session, Field.WINDOW_CAP, windowCap);
  setField(session, Field.TAPE, <u32>heap.alloc(<usize>tapeCap * Layout.RECORD_BYTES));
  setField(session, Field.TAPE_CAP, tapeCap);
  setField(session, Field.ARENA, arenaCap > 0 ? <u32>heap.alloc(<usize>arenaCap + WINDOW_SLACK) : 0);
  setField(session, Field.ARENA_CAP, arenaCap);
  setField(session, Field.FRAME_START, <u32>Frame.NONE);
  if (memoIndices > 0) {
    resizeMemoIndices(session, memoIndices);
    allocateSharedStrs();
  }
  if (strCache) {
    const cache = heap.alloc(<usize>StrCache.SLOTS * StrCache.ENTRY_BYTES);
    setField(session, Field.STR_CACHE, <u32>cache);
    clearStrCache(session);
    const keyOrdersSize = <usize>KeyOrders.SLOTS * KeyOrders.ENTRY_WORDS << 2;
    const keyOrders = heap.alloc(keyOrdersSize);
    memory.fill(keyOrders, 0, keyOrdersSize); // (stamp 0: no load's)
    setField(session, Field.KEY_ORDERS, <u32>keyOrders);
    setField(session, Field.UNITS, <u32>heap.alloc((<usize>StrUnits.AREA_UNITS << 1) + UNITS_SLACK));
  }
  return session;
}

/** Empties the string cache (its keys), for a load that stopped before JS replayed all that the scan cached. */
export function clearStrCache(session: usize): void {
  const cache = <usize>getField(session, Field.STR_CACHE);
  for (let slot: u32 = 0; slot < <u32>StrCache.SLOTS; slot++) store<u32>(cache + <usize>slot * StrCache.ENTRY_BYTES, 0);
}

/** A block of wasm memory that lives as long as the instance (the dict key table's bytes). */
export function allocateBlock(size: u32): usize {
  return heap.alloc(<usize>size + WINDOW_SLACK);
}

/** Replaces the window by an empty one of `cap` bytes (for lines longer than the window). */
export function resizeWindow(session: usize, cap: u32): void {
  heap.free(getField(session, Field.WINDOW));
  setField(session, Field.WINDOW, <u32>heap.alloc(<usize>cap + WINDOW_SLACK));
  setField(session, Field.WINDOW_CAP, cap);
  setField(session, Field.WINDOW_LEN, 0);
}

/** Gives the window `cap` bytes, keeping what it holds (output written so far). */
export function growWindow(session: usize, cap: u32): void {
  setField(session, Field.WINDOW, <u32>heap.realloc(getField(session, Field.WINDOW), <usize>cap + WINDOW_SLACK));
  setField(session, Field.WINDOW_CAP, cap);
}

/** Gives the table of a dump's memo indices room for `cap` (keeping those it holds, up to cap). */
export function resizeMemoIndices(session: usize, cap: u32): void {
  const indices = <usize>getField(session, Field.MEMO_INDICES);
  const size = <usize>cap << 2;
  setField(session, Field.MEMO_INDICES, <u32>(indices == 0 ? heap.alloc(size) : heap.realloc(indices, size)));
  setField(session, Field.MEMO_INDICES_CAP, cap);
}

export function freeSession(session: usize): void {
  const indices = getField(session, Field.MEMO_INDICES);
  if (indices != 0) heap.free(indices);
  heap.free(getField(session, Field.WINDOW));
  heap.free(getField(session, Field.TAPE));
  const arena = getField(session, Field.ARENA);
  if (arena != 0) heap.free(arena);
  const cache = getField(session, Field.STR_CACHE);
  if (cache != 0) heap.free(cache);
  const keyOrders = getField(session, Field.KEY_ORDERS);
  if (keyOrders != 0) heap.free(keyOrders);
  const units = getField(session, Field.UNITS);
  if (units != 0) heap.free(units);
  heap.free(session);
}
