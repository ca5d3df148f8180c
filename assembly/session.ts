// The session block's fields (see Field in src/tape.ts): of any session, and of
// the one that scan() or encode() is working on (set on entry; neither calls
// out, so it cannot change under them).
import { Field } from "../src/tape";

let current: usize = 0;

export function useSession(session: usize): void {
  current = session;
}

@inline export function getField(session: usize, f: Field): u32 {
  return load<u32>(session + (<usize>f << 2));
}

@inline export function setField(session: usize, f: Field, value: u32): void {
  store<u32>(session + (<usize>f << 2), value);
}

/** A field of the current session. */
@inline export function field(f: Field): u32 {
  return getField(current, f);
}

@inline export function setCurrentField(f: Field, value: u32): void {
  setField(current, f, value);
}
