import { readFileSync } from 'node:fs';
import { dumps, loads } from 'pickle-wasm';
const file = process.argv[2]; const mode = process.argv[3] ?? 'dumps';
const data = readFileSync(`/work/main/bench/payloads/${file}`);
const value = loads(data);
const protocol = data[0] === 0x80 ? data[1] : 0;
const N = Number(process.argv[4] ?? 200000);
const fn = mode === 'dumps' ? () => dumps(value, { protocol }) : () => loads(data);
for (let i = 0; i < N / 10; i++) fn();
const t = [];
for (let r = 0; r < 7; r++) { const s = performance.now(); for (let i = 0; i < N; i++) fn(); t.push((performance.now() - s) * 1000 / N); }
t.sort((a, b) => a - b); console.log(file, mode, t[0].toFixed(2), t[3].toFixed(2));
