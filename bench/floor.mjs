// The floors under two targets: what making a payload's values costs with
// nothing to read (bench/values.mjs), next to pickle-wasm's loads, and to
// pickleparser's (the target of a fifth of its time) and msgpackr's (at or
// below its time: on the payload's JSON twin, as the suite times it, and on
// the very values our loads give, ints beyond 2^53 as bigints). Each cell is
// timed in a fresh process by measure.mjs, three rounds in turn, each keeping
// its lowest median (as npm run bench does).
//
//   node bench/floor.mjs [FILE ...]   (default: the 100k records, the 200k strs and 1M ints, protocols 5 and 2)
import { readFileSync } from 'node:fs';
import { ensurePayloads, measure as measureCell, payloadDir, progress, python } from './cells.mjs';

ensurePayloads(python());
const files = process.argv.slice(2);
if (files.length === 0) {
  for (const name of ['records_100k', 'strings_200k', 'ints_1m']) files.push(`${name}.p5.pickle`, `${name}.p2.pickle`);
}
const jsonTwin = new Map(JSON.parse(readFileSync(payloadDir + 'manifest.json', 'utf8')).map((p) => [p.file, p.json]));
const CASES = ['values alone', 'pickle-wasm loads', 'pickleparser loads', 'msgpackr unpack', 'msgpackr unpack, same values'];
const ROUNDS = 3;

/** Milliseconds, or null where the case cannot run (msgpackr on a payload without a JSON twin, or whose values it changes). */
function measure(name, file) {
  const json = name === 'msgpackr unpack' ? jsonTwin.get(file) : null;
  if (name === 'msgpackr unpack' && !json) return null;
  const { us, error } = measureCell(name, file, 1, json);
  if (us === null && name.startsWith('msgpackr')) return null;
  if (us === null) throw new Error(`${name} on ${file}: ${error}`);
  return us / 1000;
}

const ms = (value) => (value === null ? 'n/a' : value.toFixed(1));
const ratio = (a, b) => (a === null || b === null ? 'n/a' : (a / b).toFixed(2));
console.log('| payload | values alone ms | pickle-wasm loads ms | pickleparser loads ms | msgpackr ms, JSON twin / same values | values alone ÷ pickleparser | pickle-wasm ÷ pickleparser | reading (pickle-wasm − values alone) ÷ pickleparser | values alone ÷ msgpackr, JSON twin / same values | pickle-wasm ÷ msgpackr, JSON twin / same values |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const file of files) {
  const best = new Map(CASES.map((c) => [c, null]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of CASES) {
      const time = measure(c, file);
      if (time !== null) best.set(c, Math.min(best.get(c) ?? Infinity, time));
    }
    progress(`${file}: round ${round + 1} of ${ROUNDS}`);
  }
  const [floor, ours, theirs, twin, same] = CASES.map((c) => best.get(c));
  console.log(`| ${file} | ${ms(floor)} | ${ms(ours)} | ${ms(theirs)} | ${ms(twin)} / ${ms(same)} | ${ratio(floor, theirs)} | ${ratio(ours, theirs)} | ${ratio(ours - floor, theirs)} | ${ratio(floor, twin)} / ${ratio(floor, same)} | ${ratio(ours, twin)} / ${ratio(ours, same)} |`);
}
