// The floor under the target of a fifth of pickleparser's time: what making a
// payload's values costs with nothing to read (bench/values.mjs), next to
// pickle-wasm's and pickleparser's loads of it. Each cell is timed in a fresh
// process by measure.mjs, three rounds in turn, each keeping its lowest median
// (as npm run bench does).
//
//   node bench/floor.mjs [FILE ...]   (default: the 100k records and the 200k strs, protocols 5 and 2)
import { ensurePayloads, measure as measureCell, progress, python } from './cells.mjs';

ensurePayloads(python());
const files = process.argv.slice(2);
if (files.length === 0) files.push('records_100k.p5.pickle', 'records_100k.p2.pickle', 'strings_200k.p5.pickle', 'strings_200k.p2.pickle');
const CASES = ['values alone', 'pickle-wasm loads', 'pickleparser loads'];
const ROUNDS = 3;

function measure(name, file) {
  const { us, error } = measureCell(name, file, 1);
  if (us === null) throw new Error(`${name} on ${file}: ${error}`);
  return us;
}

const ms = (us) => (us / 1000).toFixed(1);
console.log('| payload | values alone ms | pickle-wasm loads ms | pickleparser loads ms | values alone ÷ pickleparser | pickle-wasm ÷ pickleparser | reading (pickle-wasm − values alone) ÷ pickleparser |');
console.log('|---|---|---|---|---|---|---|');
for (const file of files) {
  const best = new Map(CASES.map((c) => [c, Infinity]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of CASES) best.set(c, Math.min(best.get(c), measure(c, file)));
    progress(`${file}: round ${round + 1} of ${ROUNDS}`);
  }
  const [floor, ours, theirs] = CASES.map((c) => best.get(c));
  console.log(`| ${file} | ${ms(floor)} | ${ms(ours)} | ${ms(theirs)} | ${(floor / theirs).toFixed(2)} | ${(ours / theirs).toFixed(2)} | ${((ours - floor) / theirs).toFixed(2)} |`);
}
