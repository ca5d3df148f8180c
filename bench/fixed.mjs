import { dumps, loads } from 'pickle-wasm';
const N = 200000;
for (const [name, fn] of [['dumps(42)', () => dumps(42)], ['loads(K*.)', ((d) => () => loads(d))(new Uint8Array([0x80, 5, 0x4b, 42, 0x2e]))], ['dumps([1,2,3])', () => dumps([1, 2, 3])]]) {
  for (let i = 0; i < N; i++) fn();
  const t = performance.now(); for (let i = 0; i < N; i++) fn();
  console.log(name, ((performance.now() - t) * 1000 / N).toFixed(2), 'us');
}
