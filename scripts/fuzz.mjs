// npm run fuzz [-- --seconds=600 --seed=N]: the mutation fuzzer, for as long as
// asked. Findings are written to test/fixtures/fuzz/ (where the test suite
// keeps checking them) and the run's figures are printed for the README.
import { writeFileSync } from 'node:fs';
import { fuzz } from '../test/helpers/fuzzer.mjs';

const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const seconds = Number(arg('seconds', 60));
const seed = Number(arg('seed', Date.now() % 2 ** 31));

console.log(`fuzzing for ${seconds} s, seed ${seed}`);
const result = fuzz({
  seed,
  seconds,
  onProgress: (inputs, elapsed, findings) => console.log(`  ${inputs} inputs, ${elapsed.toFixed(0)} s, ${findings} findings`),
});
result.findings.forEach((finding, i) => {
  const file = new URL(`../test/fixtures/fuzz/finding-${seed}-${i}.pickle`, import.meta.url);
  writeFileSync(file, finding.input);
  console.log(`finding ${i}: ${finding.reason} → ${file.pathname}`);
});
console.log(JSON.stringify({ date: new Date().toISOString(), seed, inputs: result.inputs, seconds: Math.round(result.seconds), findings: result.findings.length }));
process.exitCode = result.findings.length > 0 ? 1 : 0;
