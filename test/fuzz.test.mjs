// The CI fuzz run: bounded and seeded (FUZZ_SEED to repeat or vary it), and
// every finding ever made, kept as a fixture, loads or fails cleanly.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Anything, check, fuzz } from './helpers/fuzzer.mjs';

const SEED = Number(process.env.FUZZ_SEED ?? 20261121);
const INPUTS = Number(process.env.FUZZ_INPUTS ?? 100_000);

test('fuzz findings kept as fixtures load or fail with an UnpicklingError', () => {
  const dir = new URL('./fixtures/fuzz/', import.meta.url);
  for (const file of readdirSync(dir)) assert.equal(check(readFileSync(new URL(file, dir)), {}), null, file);
});

test(`fuzz: ${INPUTS} mutated pickles, seed ${SEED}`, () => {
  const snapshot = () =>
    [Object.prototype, Array.prototype, Function.prototype, Anything, Anything.prototype].map((o) => Object.getOwnPropertyNames(o).join()).join('|');
  const before = snapshot();
  const result = fuzz({ seed: SEED, inputs: INPUTS });
  console.log(`# fuzz seed ${SEED}: ${result.inputs} inputs in ${result.seconds.toFixed(1)} s, ${result.findings.length} findings`);
  const shown = result.findings.slice(0, 5).map((f) => `${f.reason} — input ${f.input.toString('base64').slice(0, 200)}`);
  assert.deepEqual(shown, []);
  assert.equal(snapshot(), before, 'no prototype changed');
  assert.equal({}.polluted, undefined);
});
