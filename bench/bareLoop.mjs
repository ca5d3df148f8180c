// The least any JS decoder of the tuple payloads must do: a loop over
// exactly their opcodes (PROTO, FRAME, MARK, the ints, TUPLE, TUPLE2,
// MEMOIZE, BINPUT, STOP) with nothing checked and no memo kept (they hold no
// GET), making each tuple a Tuple (what loads gives, so that it dumps back
// as a tuple) or a plain array. The floor under the msgpackr target on the
// smallest payloads (bench/tuple-floor.mjs, and the suite's floor cell).
import { Tuple } from 'pickle-wasm';

const TUPLE_PROTOTYPE = Tuple.prototype;

const made = (items, asTuple) => (asTuple ? Object.setPrototypeOf(items, TUPLE_PROTOTYPE) : items);

/** The value of `bytes`, a pickle of tuples of ints. */
export function bareLoads(bytes, asTuple = true) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack = [];
  const marks = [];
  for (let i = 0; ; ) {
    switch (bytes[i++]) {
      case 0x80: i++; break; // PROTO
      case 0x95: i += 8; break; // FRAME
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x4a: stack.push(view.getInt32(i, true)); i += 4; break; // BININT
      case 0x4b: stack.push(bytes[i++]); break; // BININT1
      case 0x4d: stack.push(view.getUint16(i, true)); i += 2; break; // BININT2
      case 0x74: stack.push(made(stack.splice(marks.pop()), asTuple)); break; // TUPLE
      case 0x86: stack.push(made(stack.splice(-2), asTuple)); break; // TUPLE2
      case 0x94: break; // MEMOIZE
      case 0x71: i++; break; // BINPUT
      case 0x2e: return stack.pop(); // STOP
      default: throw new Error(`opcode ${bytes[i - 1]} is not one of the tuple payloads'`);
    }
  }
}
