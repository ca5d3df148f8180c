// The floor under the msgpackr target on the smallest payload, a tuple of 20
// ints (0.1 kB): msgpackr's unpack of its JSON twin, beside the least any JS
// decoder of that pickle must do — a loop over exactly its opcodes (PROTO,
// FRAME, MARK, the ints, TUPLE, MEMOIZE, STOP) with nothing checked — making
// a Tuple (what loads gives, so that it dumps back as a tuple) or a plain
// array, and pickle-wasm's loads. Medians of 15 runs of 200k calls, in µs.
//
//   node bench/tuple-floor.mjs
import { readFileSync } from 'node:fs';
import { pack, unpack } from 'msgpackr';
import { loads, Tuple } from 'pickle-wasm';

const payloads = new URL('payloads/', import.meta.url);
const data = readFileSync(new URL('tuple_top.p5.pickle', payloads));
const packed = pack(JSON.parse(readFileSync(new URL('tuple_top.json', payloads), 'utf8')));
const TUPLE_PROTOTYPE = Tuple.prototype;

/** This one pickle's opcodes, decoded with no checks; `asTuple` makes the array a Tuple. */
function bare(bytes, asTuple) {
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
      case 0x74: { // TUPLE
        const items = stack.splice(marks.pop());
        stack.push(asTuple ? Object.setPrototypeOf(items, TUPLE_PROTOTYPE) : items);
        break;
      }
      case 0x94: break; // MEMOIZE
      case 0x2e: return stack.pop(); // STOP
      default: throw new Error(`opcode ${bytes[i - 1]} is not this pickle's`);
    }
  }
}

function microseconds(fn) {
  const calls = 200_000;
  for (let i = 0; i < 3 * calls; i++) fn();
  const runs = [];
  for (let run = 0; run < 15; run++) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) fn();
    runs.push(((performance.now() - start) / calls) * 1000);
  }
  return runs.sort((a, b) => a - b)[7].toFixed(3);
}

console.log('| msgpackr unpack | bare JS loop, Tuple | bare JS loop, array | pickle-wasm loads |');
console.log('|---|---|---|---|');
console.log(`| ${microseconds(() => unpack(packed))} | ${microseconds(() => bare(data, true))} | ${microseconds(() => bare(data, false))} | ${microseconds(() => loads(data))} |`);
