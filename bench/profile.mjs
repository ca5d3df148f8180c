// Where loads and dumps spend their time on one payload: the wasm scan against
// the JS replay (timed around the wasm calls), and a loop to run under
// `node --cpu-prof bench/profile.mjs FILE`.
//
//   node bench/profile.mjs records_100k.p5.pickle [--dumps] [--runs=N]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dumps, loads } from 'pickle-wasm';

const here = fileURLToPath(new URL('.', import.meta.url));
const [file, ...flags] = process.argv.slice(2);
const runs = Number(flags.find((f) => f.startsWith('--runs='))?.slice(7) ?? 20);
const data = readFileSync(`${here}payloads/${file}`);
const value = loads(data);
const protocol = data[0] === 0x80 ? data[1] : 0;

const { core } = await import('../dist/esm/wasm.js');
let wasmTime = 0;
for (const name of ['scan', 'encode']) {
  const inner = core[name];
  core[name] = (session) => {
    const start = performance.now();
    const result = inner(session);
    wasmTime += performance.now() - start;
    return result;
  };
}

const work = flags.includes('--dumps') ? () => dumps(value, { protocol }) : () => loads(data);
for (let i = 0; i < 3; i++) work();
const totals = [];
const wasms = [];
for (let i = 0; i < runs; i++) {
  wasmTime = 0;
  const start = performance.now();
  work();
  totals.push(performance.now() - start);
  wasms.push(wasmTime);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const [total, wasm] = [median(totals), median(wasms)];
console.log(
  `${file} ${flags.includes('--dumps') ? 'dumps' : 'loads'}: median ${total.toFixed(3)} ms (min ${totals.reduce((a, b) => Math.min(a, b)).toFixed(3)}); ` +
    `wasm ${wasm.toFixed(3)} ms (${((100 * wasm) / total).toFixed(0)}%), JS ${(total - wasm).toFixed(3)} ms`,
);
