// The window of input that a pass over a load session reads (scan(),
// findReferenced()): loaded from the session block when the pass begins.
// Neither calls out, so it cannot change under them.
import { field } from "./session";
import { Field } from "../src/tape";

export let window: usize = 0;
/** Input offsets of the window's first byte and just past its last. */
export let windowStart: u32 = 0;
export let windowEnd: u32 = 0;
/** How much input there is so far. */
export let inputEnd: u32 = 0;

/** Loads the current session's window (after useSession). */
export function useWindow(): void {
  window = field(Field.WINDOW);
  windowStart = field(Field.WINDOW_START);
  windowEnd = windowStart + field(Field.WINDOW_LEN);
  inputEnd = field(Field.INPUT_END);
}

/** Where the input byte at `offset` (in the window) is in memory. */
@inline export function at(offset: u32): usize {
  return window + <usize>(offset - windowStart);
}

/**
 * Where the input byte at offset 0 would be in memory: at(offset) is
 * inputBase() + offset. A loop over the window keeps it in a local, where
 * at() reads two globals, which V8 loads from memory at each call.
 */
@inline export function inputBase(): usize {
  return window - <usize>windowStart;
}

@inline export function byte(offset: u32): u32 {
  return load<u8>(at(offset));
}

/** Offset of the newline ending the line that starts at `from`, or -1 if the window ends first. */
export function findNewline(from: u32): i64 {
  const end = at(windowEnd);
  for (let p = at(from); p < end; p++) {
    if (load<u8>(p) == 0x0a) return <i64>(from + <u32>(p - at(from)));
  }
  return -1;
}
