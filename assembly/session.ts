// Reading and writing a session block's fields (see Field in src/tape.ts).
import { Field } from "../src/tape";

@inline export function getField(session: usize, f: Field): u32 {
  return load<u32>(session + (<usize>f << 2));
}

@inline export function setField(session: usize, f: Field, value: u32): void {
  store<u32>(session + (<usize>f << 2), value);
}
