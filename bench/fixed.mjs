// The fixed cost of one call: loads and dumps of the smallest values, in µs
// per call (the README's "fixed cost per call" figures).
//
//   node bench/fixed.mjs
import { dumps, loads } from 'pickle-wasm';

const N = 200000;
const oneInt = new Uint8Array([0x80, 5, 0x4b, 42, 0x2e]);
for (const [name, fn] of [['loads(K*.)', () => loads(oneInt)], ['dumps(42)', () => dumps(42)], ['dumps([1,2,3])', () => dumps([1, 2, 3])]]) {
  for (let i = 0; i < N; i++) fn(); // warm up
  const start = performance.now();
  for (let i = 0; i < N; i++) fn();
  console.log(name, (((performance.now() - start) * 1000) / N).toFixed(2), 'µs');
}
