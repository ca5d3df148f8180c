// The floor under the msgpackr target on the smallest payload, a tuple of 20
// ints (0.1 kB): msgpackr's unpack of its JSON twin, beside the least any JS
// decoder of that pickle must do (bench/bareLoop.mjs: a loop over exactly
// its opcodes with nothing checked) making a Tuple or a plain array, and
// pickle-wasm's loads. Medians of 15 runs of 200k calls, in µs.
//
//   node bench/tuple-floor.mjs
import { readFileSync } from 'node:fs';
import { pack, unpack } from 'msgpackr';
import { loads } from 'pickle-wasm';
import { bareLoads } from './bareLoop.mjs';

const payloads = new URL('payloads/', import.meta.url);
const data = readFileSync(new URL('tuple_top.p5.pickle', payloads));
const packed = pack(JSON.parse(readFileSync(new URL('tuple_top.json', payloads), 'utf8')));

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
console.log(`| ${microseconds(() => unpack(packed))} | ${microseconds(() => bareLoads(data, true))} | ${microseconds(() => bareLoads(data, false))} | ${microseconds(() => loads(data))} |`);
